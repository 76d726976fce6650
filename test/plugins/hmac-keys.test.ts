import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { importHmacKey } from "../../src/plugins/hmac-keys.ts";
import { hmac } from "../../src/plugins/sdk.ts";

const encoder = new TextEncoder();

describe("importHmacKey", () => {
  test("imports a secret once per hash and reuses the key", async () => {
    const secret = encoder.encode("reused-shared-secret-1");
    const first = await importHmacKey("SHA-256", secret);
    expect(await importHmacKey("SHA-256", new Uint8Array(secret))).toBe(first);
    expect(await importHmacKey("SHA-512", secret)).not.toBe(first);
    expect(await importHmacKey("SHA-256", encoder.encode("reused-shared-secret-2"))).not.toBe(
      first,
    );
  });

  test("keys by the bytes at call time, not by a buffer a caller later changes", async () => {
    const secret = encoder.encode("mutable-shared-secret");
    const before = await hmac("SHA-256", secret, "body");
    secret.fill(0x41);
    const after = await hmac("SHA-256", secret, "body");
    const expected = createHmac("sha256", Buffer.from(secret)).update("body").digest();
    expect(after).toEqual(new Uint8Array(expected));
    expect(after).not.toEqual(before);
  });
});

describe("hmac", () => {
  test.each(["SHA-256", "SHA-512", "SHA-1"] as const)(
    "matches node:crypto for %s on repeated calls",
    async (hash) => {
      const nodeName = hash.replace("-", "").toLowerCase();
      const expected = new Uint8Array(
        createHmac(nodeName, "repeat-shared-secret").update("a.b").digest(),
      );
      for (let i = 0; i < 3; i++) {
        expect(await hmac(hash, "repeat-shared-secret", "a.", encoder.encode("b"))).toEqual(
          expected,
        );
      }
    },
  );
});
