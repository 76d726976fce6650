/**
 * A rotation racing a PATCH of the signing scheme: the secret the rotation made for the old
 * scheme must not land under the new one (a whsec_ key under Ed25519 can sign nothing). The
 * rotation either commits under the scheme it was made for, or answers 409 concurrent-change.
 */
import { describe, expect, test } from "bun:test";
import { startRelay } from "../support/relay.ts";
import { createEndpoint } from "./api-fixtures.ts";

describe("rotate-secret racing a signing change", () => {
  test("never leaves an endpoint with a secret its scheme cannot use", async () => {
    await using relay = await startRelay();
    const outcomes = new Set<number>();
    for (let round = 0; round < 30; round++) {
      const endpoint = await createEndpoint(relay, { url: "http://127.0.0.1:9/hook" });
      const [patched, rotated] = await Promise.all([
        relay.api(`/v1/endpoints/${endpoint.id}`, {
          method: "PATCH",
          json: { signing: { scheme: "standard-webhooks-ed25519" } },
        }),
        relay.api(`/v1/endpoints/${endpoint.id}/rotate-secret`, {
          method: "POST",
          json: { overlapSeconds: 0 },
        }),
      ]);
      expect(patched.status).toBe(200);
      expect([200, 409]).toContain(rotated.status);
      outcomes.add(rotated.status);
      if (rotated.status === 409) {
        expect(await rotated.json()).toMatchObject({
          type: "urn:hookrelay:problem:concurrent-change",
        });
      }
      const state = await relay.json<{ secret: string; publicKey?: string | null }>(
        `/v1/endpoints/${endpoint.id}/secret`,
      );
      expect({ round, secret: state.secret.slice(0, 5) }).toEqual({ round, secret: "whsk_" });
      expect(state.publicKey).toEqual(expect.stringMatching(/^whpk_/));
    }
    expect(outcomes.size).toBeGreaterThan(0);
  }, 60_000);
});
