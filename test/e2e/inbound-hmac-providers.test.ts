/**
 * The HMAC verifiers end to end: Shopify, Slack and the generic `hmac` scheme. Each is signed
 * the way its sender documents, verified by the relay, and forwarded with the sender's headers
 * so the original signature still verifies at the destination.
 */
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import {
  countEvents,
  createPipe,
  expectSignatureRejected,
  fixtureBytes,
  type InboundEvent,
  ingest,
  ingestAccepted,
  sha256Hex,
  waitForArrival,
} from "../fixtures/inbound/inbound-fixtures.ts";
import type { Delivery } from "./api-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const { relay, receivers } = relayPerFile();

const nowSeconds = () => Math.floor(Date.now() / 1000);
const hmacHex = (key: string, text: string | Uint8Array) =>
  createHmac("sha256", key).update(text).digest("hex");
const hmacBase64 = (key: string, text: string | Uint8Array) =>
  createHmac("sha256", key).update(text).digest("base64");

describe("shopify", () => {
  const secret = "shpss_0123456789abcdef0123456789abcdef";

  /** Headers as Shopify documents them for a webhook delivery. */
  function shopifyHeaders(body: Uint8Array, webhookId: string, topic = "orders/create") {
    return {
      "content-type": "application/json",
      "x-shopify-topic": topic,
      "x-shopify-hmac-sha256": hmacBase64(secret, body),
      "x-shopify-shop-domain": "example.myshopify.com",
      "x-shopify-api-version": "2025-10",
      "x-shopify-webhook-id": webhookId,
      "x-shopify-event-id": crypto.randomUUID(),
      "x-shopify-triggered-at": "2026-12-03T21:00:00.000000000Z",
    };
  }

  test("forwards an order byte-exact with a downstream-verifiable HMAC", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "shopify", secrets: [secret] },
    });
    const body = await fixtureBytes("shopify/orders-create.json");
    const headers = shopifyHeaders(body, crypto.randomUUID());
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(sha256Hex(arrived.bodyBytes)).toBe(sha256Hex(body));
    for (const [name, value] of Object.entries(headers)) {
      expect({ name, value: arrived.headers[name] }).toEqual({ name, value });
    }
    expect(arrived.headers["x-shopify-hmac-sha256"]).toBe(hmacBase64(secret, arrived.bodyBytes));
    const event: InboundEvent = await relay.json(`/v1/events/${eventId}`);
    expect(event).toMatchObject({ type: "orders.create", sourceId: pipe.source.id });
  }, 30_000);

  test("dedupes on X-Shopify-Webhook-Id", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "shopify", secrets: [secret] },
    });
    const body = await fixtureBytes("shopify/orders-create.json");
    const headers = shopifyHeaders(body, crypto.randomUUID());
    const before = await countEvents(relay);
    const first = await ingestAccepted(relay, pipe.source.name, { body, headers });
    const again = await ingestAccepted(relay, pipe.source.name, { body, headers });
    const other = shopifyHeaders(body, crypto.randomUUID());
    const third = await ingestAccepted(relay, pipe.source.name, { body, headers: other });

    expect(again).toMatchObject({ eventId: first.eventId, duplicate: true });
    expect(third.duplicate).toBe(false);
    expect(await countEvents(relay)).toBe(before + 2);
  }, 30_000);

  test("lets a destination filter on the Shopify topic", async () => {
    const pipe = await createPipe(
      relay,
      receivers,
      { verifier: { scheme: "shopify", secrets: [secret] } },
      { eventTypes: ["orders.create"] },
    );
    const body = await fixtureBytes("shopify/orders-create.json");
    const created = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: shopifyHeaders(body, crypto.randomUUID()),
    });
    const paid = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: shopifyHeaders(body, crypto.randomUUID(), "orders/paid"),
    });

    const routed = async (id: string) =>
      ((await relay.json(`/v1/events/${id}`)) as { deliveries: Delivery[] }).deliveries.length;
    expect(await routed(created.eventId)).toBe(1);
    expect(await routed(paid.eventId)).toBe(0);
  }, 30_000);
});

describe("slack", () => {
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";

  function slackHeaders(body: string | Uint8Array, timestamp = nowSeconds(), key = secret) {
    const base = Buffer.concat([Buffer.from(`v0:${timestamp}:`), Buffer.from(body)]);
    return {
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": `v0=${hmacHex(key, base)}`,
    };
  }

  test("forwards an Events API callback and dedupes on its event_id", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "slack", secrets: [secret] },
    });
    const body = await fixtureBytes("slack/event-callback.json");
    const headers = { "content-type": "application/json", ...slackHeaders(body) };
    const first = await ingestAccepted(relay, pipe.source.name, { body, headers });
    const retry = { ...headers, "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" };
    const again = await ingestAccepted(relay, pipe.source.name, { body, headers: retry });

    expect(again).toMatchObject({ eventId: first.eventId, duplicate: true });
    const arrived = await waitForArrival(pipe.receiver, first.eventId);
    expect(sha256Hex(arrived.bodyBytes)).toBe(sha256Hex(body));
    const timestamp = arrived.headers["x-slack-request-timestamp"];
    const base = Buffer.concat([Buffer.from(`v0:${timestamp}:`), Buffer.from(arrived.bodyBytes)]);
    expect(arrived.headers["x-slack-signature"]).toBe(`v0=${hmacHex(secret, base)}`);
    const event: InboundEvent = await relay.json(`/v1/events/${first.eventId}`);
    expect(event.type).toBe("app_mention");
  }, 30_000);

  test("forwards a form-encoded slash command byte-exact", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "slack", secrets: [secret] },
    });
    const body =
      "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&channel_id=C2147483705&user_id=U2147483697" +
      "&command=%2Fweather&text=94070+%C3%A9t%C3%A9&response_url=https%3A%2F%2Fhooks.slack.com";
    const headers = {
      "content-type": "application/x-www-form-urlencoded",
      ...slackHeaders(body),
    };
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(arrived.body).toBe(body);
    expect(arrived.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const event: InboundEvent = await relay.json(`/v1/events/${eventId}`);
    expect(event).toMatchObject({ type: "weather", payload: null });
  }, 30_000);
});

describe("generic hmac", () => {
  test("verifies a prefixed base64 HMAC over a timestamped body", async () => {
    const secret = "a-generic-hmac-shared-secret";
    const pipe = await createPipe(relay, receivers, {
      verifier: {
        scheme: "hmac",
        secrets: [secret],
        options: {
          header: "x-signature",
          encoding: "base64",
          prefix: "sha256=",
          timestampHeader: "x-signature-timestamp",
        },
      },
    });
    const body = '{"kind":"thing.happened"}';
    const timestamp = String(nowSeconds());
    const headers = {
      "content-type": "application/json",
      "x-signature": `sha256=${hmacBase64(secret, `${timestamp}.${body}`)}`,
      "x-signature-timestamp": timestamp,
    };
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(arrived.headers["x-signature"]).toBe(headers["x-signature"]);
    const wrong = {
      ...headers,
      "x-signature": `sha256=${hmacBase64("not-the-secret-at-all", `${timestamp}.${body}`)}`,
    };
    await expectSignatureRejected(
      await ingest(relay, pipe.source.name, { body, headers: wrong }),
      "bad_signature",
    );
  }, 30_000);
});
