import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { sign, verify } from "@octokit/webhooks-methods";
import { githubSigner, githubVerifier } from "../../src/plugins/builtin/github.ts";

const body = '{"action":"opened","number":7,"pull_request":{"title":"Fix 🐛 for Zoë"}}';
const bytes = new TextEncoder().encode(body);
const [newest, older] = ["It's a Secret to Everybody 1", "It's a Secret to Everybody 0"];

function signWith(secrets: string[], options: { sha1?: boolean } = {}) {
  return githubSigner.sign({
    eventId: "evt_1",
    timestampSeconds: 1,
    body: bytes,
    secrets,
    options,
  });
}

function verifyWith(headers: Record<string, string>, secrets: string[]) {
  return githubVerifier.verify({ body: bytes, headers, secrets, url: "", options: {}, now: 0 });
}

describe("github signer", () => {
  test("produces X-Hub-Signature-256 that @octokit/webhooks-methods verifies", async () => {
    const headers = await signWith([newest, older]);
    const signature = headers["x-hub-signature-256"] ?? "";
    expect(await verify(newest, body, signature)).toBe(true);
    // One signature slot: the newest secret signs, the older one no longer verifies.
    expect(await verify(older, body, signature)).toBe(false);
    expect(headers["x-github-delivery"]).toBe("evt_1");
    expect(headers["x-hub-signature"]).toBeUndefined();
  });

  test("adds the legacy SHA-1 X-Hub-Signature only when asked", async () => {
    const headers = await signWith([newest], { sha1: true });
    const expected = createHmac("sha1", newest).update(bytes).digest("hex");
    expect(headers["x-hub-signature"]).toBe(`sha1=${expected}`);
  });
});

describe("github verifier", () => {
  test("accepts what @octokit/webhooks-methods signs, with any configured secret", async () => {
    const headers = { "x-hub-signature-256": await sign(older, body) };
    expect(await verifyWith(headers, [newest, older])).toEqual({ ok: true });
    expect(await verifyWith(headers, [newest])).toMatchObject({
      ok: false,
      reason: "bad_signature",
    });
  });

  test("refuses a SHA-1 signature on its own", async () => {
    const sha1 = `sha1=${createHmac("sha1", newest).update(bytes).digest("hex")}`;
    expect(await verifyWith({ "x-hub-signature": sha1 }, [newest])).toMatchObject({
      reason: "missing_signature",
    });
  });

  test("describes event.action and the delivery GUID", () => {
    const headers = {
      "x-github-event": "pull_request",
      "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    };
    const input = { body: bytes, headers, url: "", options: {}, now: 0 };
    expect(githubVerifier.describe(input)).toEqual({
      eventType: "pull_request.opened",
      deliveryId: headers["x-github-delivery"],
    });
    const ping = {
      ...input,
      body: new TextEncoder().encode('{"zen":"Keep it logically awesome."}'),
      headers: { "x-github-event": "ping" },
    };
    expect(githubVerifier.describe(ping)).toEqual({ eventType: "ping", deliveryId: undefined });
  });
});
