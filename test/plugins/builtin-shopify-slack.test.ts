import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { shopifyVerifier } from "../../src/plugins/builtin/shopify.ts";
import { slackVerifier } from "../../src/plugins/builtin/slack.ts";

const encoder = new TextEncoder();

describe("shopify verifier", () => {
  const secret = "shpss_0123456789abcdef0123456789abcdef";
  const bytes = encoder.encode(
    '{"id":820982911946154508,"email":"jon@example.com","note":"Ünïcode ✓"}',
  );

  test("accepts the base64 HMAC-SHA256 Shopify sends", async () => {
    const hmac = createHmac("sha256", secret).update(bytes).digest("base64");
    const headers = { "x-shopify-hmac-sha256": hmac };
    expect(
      await shopifyVerifier.verify({
        body: bytes,
        headers,
        secrets: [secret],
        url: "",
        options: {},
        now: 0,
      }),
    ).toEqual({ ok: true });
  });

  test("refuses a hex digest of the right HMAC", async () => {
    const hex = createHmac("sha256", secret).update(bytes).digest("hex");
    const headers = { "x-shopify-hmac-sha256": hex };
    expect(
      await shopifyVerifier.verify({
        body: bytes,
        headers,
        secrets: [secret],
        url: "",
        options: {},
        now: 0,
      }),
    ).toMatchObject({ ok: false, reason: "malformed_signature" });
  });

  test("describes the topic and webhook id", () => {
    const headers = {
      "x-shopify-topic": "orders/create",
      "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    };
    expect(
      shopifyVerifier.describe({ body: bytes, headers, url: "", options: {}, now: 0 }),
    ).toEqual({ eventType: "orders/create", deliveryId: headers["x-shopify-webhook-id"] });
  });
});

describe("slack verifier", () => {
  // The worked example in Slack's "Verifying requests from Slack" guide.
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";
  const timestamp = "1531420618";
  const form =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V" +
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=" +
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN" +
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  const headers = {
    "x-slack-request-timestamp": timestamp,
    "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
  };
  const input = { body: encoder.encode(form), headers, secrets: [secret], url: "", options: {} };

  test("accepts the example from Slack's documentation", async () => {
    expect(await slackVerifier.verify({ ...input, now: Number(timestamp) * 1000 })).toEqual({
      ok: true,
    });
  });

  test("refuses the same request six minutes later", async () => {
    const now = (Number(timestamp) + 360) * 1000;
    expect(await slackVerifier.verify({ ...input, now })).toMatchObject({
      reason: "stale_timestamp",
    });
  });

  test("describes slash commands, Events API callbacks and interactive payloads", () => {
    const base = { headers, url: "", options: {}, now: 0 };
    expect(slackVerifier.describe({ ...base, body: encoder.encode(form) })).toEqual({
      eventType: "/webhook-collect",
    });
    const callback =
      '{"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"app_mention"}}';
    expect(slackVerifier.describe({ ...base, body: encoder.encode(callback) })).toEqual({
      eventType: "app_mention",
      deliveryId: "Ev08MFMKH6",
    });
    const action = `payload=${encodeURIComponent('{"type":"block_actions"}')}`;
    expect(slackVerifier.describe({ ...base, body: encoder.encode(action) })).toEqual({
      eventType: "block_actions",
    });
  });
});
