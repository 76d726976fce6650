import { describe, expect, test } from "bun:test";
import { previousSecretsAfterRotation } from "../../src/signing/secret-rotation.ts";

describe("previousSecretsAfterRotation", () => {
  const now = 1_000_000;
  test("adds the rotated-out secret first and drops the ones already expired", () => {
    const current = {
      secret: "s3",
      previousSecrets: [
        { secret: "s2", expiresAt: now + 500 },
        { secret: "s1", expiresAt: now },
      ],
    };
    expect(previousSecretsAfterRotation(current, "s4", 1_000, now)).toEqual([
      { secret: "s3", expiresAt: now + 1_000 },
      { secret: "s2", expiresAt: now + 500 },
    ]);
  });

  test("past the cap, drops the oldest rotated out, whatever its overlap had left", () => {
    const previousSecrets = [100, 900, 300, 700].map((ms, i) => ({
      secret: `p${i}`,
      expiresAt: now + ms,
    }));
    const after = previousSecretsAfterRotation({ secret: "c", previousSecrets }, "n", 500, now);
    expect(after.map((p) => p.secret)).toEqual(["c", "p0", "p1", "p2"]);
  });

  test("without overlap, nothing keeps signing", () => {
    const current = { secret: "s2", previousSecrets: [{ secret: "s1", expiresAt: now + 9 }] };
    expect(previousSecretsAfterRotation(current, "s3", 0, now)).toEqual([]);
  });

  test("rotating to the current secret changes nothing, and a previous one leaves the list", () => {
    const previousSecrets = [
      { secret: "p1", expiresAt: now + 500 },
      { secret: "p2", expiresAt: now + 900 },
    ];
    const current = { secret: "c", previousSecrets };
    expect(previousSecretsAfterRotation(current, "c", 1_000, now)).toBe(previousSecrets);
    expect(previousSecretsAfterRotation(current, "p2", 1_000, now)).toEqual([
      { secret: "c", expiresAt: now + 1_000 },
      { secret: "p1", expiresAt: now + 500 },
    ]);
  });
});
