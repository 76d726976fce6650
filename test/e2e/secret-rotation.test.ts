/**
 * Rotating an endpoint's secret more than once: each rotated-out secret keeps signing until
 * its own overlap ends, checked on the wire with the npm standardwebhooks verifier; a
 * rotation without overlap replaces them all; and the migration keeps a running overlap.
 */
import { describe, expect, test } from "bun:test";
import { createClient } from "@libsql/client";
import { join } from "node:path";
import { embeddedMigrations } from "../../src/db/migrations.generated.ts";
import { startReceiver } from "../support/receiver.ts";
import { makeDataDir, startRelay } from "../support/relay.ts";
import {
  type SecretState,
  createEndpoint,
  publish,
  strangerSecret,
  verifySignature,
  waitForRequests,
} from "./api-fixtures.ts";

const rotate = (relay: Awaited<ReturnType<typeof startRelay>>, id: string, body: object) =>
  relay.json<SecretState>(`/v1/endpoints/${id}/rotate-secret`, { method: "POST", json: body });

describe("rotating twice", () => {
  test("keeps the first secret signing until its own overlap ends", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver();
    const endpoint = await createEndpoint(relay, { url: receiver.url });
    const first = await rotate(relay, endpoint.id, { overlapSeconds: 600 });
    const second = await rotate(relay, endpoint.id, { overlapSeconds: 3600 });

    expect(second.previousSecrets.map((p) => p.secret)).toEqual([first.secret, endpoint.secret]);
    expect(second.previousSecret).toBe(first.secret);
    expect(Date.parse(second.previousSecrets[1]!.expiresAt)).toBe(
      Date.parse(first.previousSecretExpiresAt!),
    );
    await publish(relay, { type: "rotation.twice", payload: { n: 2 } });
    const [request] = await waitForRequests(receiver, 1);
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(3);
    for (const secret of [endpoint.secret, first.secret, second.secret]) {
      expect(verifySignature(secret, request!)).toMatchObject({ type: "rotation.twice" });
    }
    expect(() => verifySignature(strangerSecret(), request!)).toThrow();
  });

  test("without overlap, replaces every secret at once", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver();
    const endpoint = await createEndpoint(relay, { url: receiver.url });
    await rotate(relay, endpoint.id, { overlapSeconds: 600 });
    const now = await rotate(relay, endpoint.id, { overlapSeconds: 0 });

    expect(now).toMatchObject({ previousSecret: null, previousSecrets: [] });
    await publish(relay, { type: "rotation.now", payload: {} });
    const [request] = await waitForRequests(receiver, 1);
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(verifySignature(now.secret, request!)).toMatchObject({ type: "rotation.now" });
    expect(() => verifySignature(endpoint.secret, request!)).toThrow();
  });

  test("keeps at most four rotated-out secrets, the newest", async () => {
    await using relay = await startRelay();
    const endpoint = await createEndpoint(relay, { url: "http://127.0.0.1:9/hook" });
    const rotations: SecretState[] = [];
    for (let i = 0; i < 6; i++) rotations.push(await rotate(relay, endpoint.id, {}));
    const last = rotations.at(-1)!;
    expect(last.previousSecrets.map((p) => p.secret)).toEqual(
      rotations
        .slice(1, 5)
        .map((r) => r.secret)
        .reverse(),
    );
  });
});

const listMigrationAt = embeddedMigrations.find(
  (migration) => migration.tag === "0004_endpoint_previous_secrets",
)!.createdAt;

describe("the migration to a list of previous secrets", () => {
  test("keeps the overlap an older relay had started", async () => {
    const dataDir = makeDataDir();
    const file = join(dataDir, "hookrelay.db");
    const expiresAt = Date.now() + 3_600_000;
    {
      await using relay = await startRelay({ dataDir });
      await createEndpoint(relay, { url: "http://127.0.0.1:9/hook" });
    }
    // Put the database back to how migration 0003 left it, with one running overlap.
    const db = createClient({ url: `file:${file}` });
    const [row] = (await db.execute("SELECT id, secret FROM endpoints")).rows;
    await db.batch([
      "ALTER TABLE endpoints ADD previous_secret text",
      "ALTER TABLE endpoints ADD previous_secret_expires_at integer",
      "ALTER TABLE endpoints DROP COLUMN previous_secrets",
      {
        sql: "UPDATE endpoints SET previous_secret = ?, previous_secret_expires_at = ?",
        args: [String(row!.secret), expiresAt],
      },
      // Forget 0004 and every migration after it, so the relay applies them again.
      { sql: "DELETE FROM __drizzle_migrations WHERE created_at >= ?", args: [listMigrationAt] },
    ]);
    db.close();

    await using relay = await startRelay({ dataDir });
    const state = await relay.json<SecretState>(`/v1/endpoints/${row!.id}/secret`);
    expect(state.previousSecrets).toEqual([
      { secret: String(row!.secret), expiresAt: new Date(expiresAt).toISOString() },
    ]);
  });
});
