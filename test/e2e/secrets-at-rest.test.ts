import { expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { Webhook } from "standardwebhooks";
import { startReceiver } from "../support/receiver.ts";
import { makeDataDir, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";

const keyId = (key: string) =>
  createHash("sha256").update(Buffer.from(key, "base64")).digest("hex").slice(0, 8);

async function storedSecrets(dataDir: string) {
  const db = createClient({ url: `file:${join(dataDir, "hookrelay.db")}` });
  try {
    const endpoints = await db.execute("SELECT secret FROM endpoints");
    const sources = await db.execute("SELECT secrets FROM sources");
    return {
      endpoint: String(endpoints.rows[0]?.secret),
      source: String(sources.rows[0]?.secrets),
    };
  } finally {
    db.close();
  }
}

test("stores secrets sealed, keeps signing with them, and reseals on key rotation", async () => {
  const [oldKey, newKey] = [randomBytes(32).toString("base64"), randomBytes(32).toString("base64")];
  const dataDir = makeDataDir();
  const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
  const sourceSecret = "inbound-secret-value-123";
  using receiver = startReceiver();

  const first = await startRelay({ dataDir, env: { HOOKRELAY_SECRET_KEYS: oldKey } });
  await first.json("/v1/endpoints", { method: "POST", json: { url: receiver.url, secret } });
  await first.json("/v1/sources", {
    method: "POST",
    json: { name: "sealed", verifier: { scheme: "token", secrets: [sourceSecret] } },
  });
  await first.kill("SIGTERM");
  const sealed = await storedSecrets(dataDir);
  expect(sealed.endpoint.startsWith(`enc:v1:${keyId(oldKey)}:`)).toBe(true);
  expect(sealed.endpoint).not.toContain(secret.slice(6, 20));
  expect(sealed.source).not.toContain(sourceSecret);

  await using second = await startRelay({
    dataDir,
    env: { HOOKRELAY_SECRET_KEYS: `${newKey},${oldKey}` },
  });
  expect(second.logs.some((l) => l.msg === "sealed secrets with the newest key")).toBe(true);
  const resealed = await storedSecrets(dataDir);
  expect(resealed.endpoint.startsWith(`enc:v1:${keyId(newKey)}:`)).toBe(true);

  await second.json("/v1/events", { method: "POST", json: { type: "sealed.ok", payload: {} } });
  const arrival = await waitFor("a signed delivery", () => receiver.requests[0]);
  expect(new Webhook(secret).verify(arrival.body, arrival.headers)).toEqual({
    type: "sealed.ok",
    timestamp: expect.any(String),
    data: {},
  });
  const inbound = await fetch(`${second.url}/in/sealed`, {
    method: "POST",
    body: "{}",
    headers: { "x-webhook-token": sourceSecret },
  });
  expect(inbound.status).toBe(202);
}, 30_000);

test("warns at start when no key is configured", async () => {
  await using relay = await startRelay();
  const warning = relay.logs.find(
    (l) => l.level === "warn" && String(l.msg).includes("unencrypted"),
  );
  expect(warning).toBeDefined();
}, 30_000);

test("a start without the key a secret was sealed with fails and names the setting", async () => {
  const [oldKey, otherKey] = [
    randomBytes(32).toString("base64"),
    randomBytes(32).toString("base64"),
  ];
  const dataDir = makeDataDir();
  const first = await startRelay({ dataDir, env: { HOOKRELAY_SECRET_KEYS: oldKey } });
  await first.json("/v1/endpoints", { method: "POST", json: { url: "https://example.com/h" } });
  await first.kill("SIGTERM");

  const refused = startRelay({ dataDir, env: { HOOKRELAY_SECRET_KEYS: otherKey } });
  await expect(refused).rejects.toThrow(
    `a secret is sealed with key ${keyId(oldKey)}, which is not configured: ` +
      "add that key to HOOKRELAY_SECRET_KEYS",
  );
});
