/**
 * The other built-in verifiers end to end: Shopify, Slack, Standard Webhooks (HMAC and
 * Ed25519), generic HMAC, HTTP Basic, a shared token in a header or the query, and `none`.
 * Each is signed the way its sender documents, verified by the relay, and forwarded with the
 * sender's headers so the original signature still verifies at the destination.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { Receiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import {
  countEvents,
  createPipe,
  expectSignatureRejected,
  fixtureBytes,
  type InboundEvent,
  ingest,
  ingestAccepted,
  newWhsec,
  sha256Hex,
  waitForArrival,
} from "../fixtures/inbound/inbound-fixtures.ts";
import type { Delivery } from "./api-fixtures.ts";

let relay: Relay;
const receivers: Receiver[] = [];

beforeAll(async () => {
  relay = await startRelay();
});

afterAll(async () => {
  for (const receiver of receivers) receiver.stop();
  await relay.stop();
});

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

describe("standard-webhooks", () => {
  test("forwards the sender's webhook-* headers as x-original-webhook-*", async () => {
    const senderSecret = newWhsec();
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "standard-webhooks", secrets: [senderSecret] },
    });
    const body = JSON.stringify({
      type: "user.created",
      timestamp: "2026-12-03T21:00:00Z",
      data: { name: "Zoë" },
    });
    const msgId = `msg_${crypto.randomUUID()}`;
    const sent = new Date();
    const headers = {
      "content-type": "application/json",
      "webhook-id": msgId,
      "webhook-timestamp": String(Math.floor(sent.getTime() / 1000)),
      "webhook-signature": new Webhook(senderSecret).sign(msgId, sent, body),
    };
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(arrived.body).toBe(body);
    expect(arrived.headers["webhook-id"]).toBe(eventId);
    expect({ ...arrived.headers }).toMatchObject({
      "x-original-webhook-id": msgId,
      "x-original-webhook-timestamp": headers["webhook-timestamp"],
      "x-original-webhook-signature": headers["webhook-signature"],
    });
    const original = {
      "webhook-id": arrived.headers["x-original-webhook-id"] ?? "",
      "webhook-timestamp": arrived.headers["x-original-webhook-timestamp"] ?? "",
      "webhook-signature": arrived.headers["x-original-webhook-signature"] ?? "",
    };
    expect(new Webhook(senderSecret).verify(arrived.body, original)).toEqual(JSON.parse(body));
    expect(new Webhook(pipe.destinationSecret).verify(arrived.body, arrived.headers)).toEqual(
      JSON.parse(body),
    );
    const event: InboundEvent = await relay.json(`/v1/events/${eventId}`);
    expect(event.type).toBe("user.created");

    const again = await ingestAccepted(relay, pipe.source.name, { body, headers });
    expect(again).toMatchObject({ eventId, duplicate: true });
  }, 30_000);

  test("verifies Ed25519 signatures with whpk_ public keys", async () => {
    const keys = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
      "sign",
      "verify",
    ])) as unknown as CryptoKeyPair;
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
    const publicKey = `whpk_${Buffer.from(raw).toString("base64")}`;
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "standard-webhooks-ed25519", secrets: [publicKey] },
    });
    const body = JSON.stringify({ type: "key.signed", data: { n: 1 } });
    const msgId = `msg_${crypto.randomUUID()}`;
    const timestamp = String(nowSeconds());
    const content = new TextEncoder().encode(`${msgId}.${timestamp}.${body}`);
    const signed = await crypto.subtle.sign("Ed25519", keys.privateKey, content);
    const signature = new Uint8Array(signed);
    const headers = {
      "content-type": "application/json",
      "webhook-id": msgId,
      "webhook-timestamp": timestamp,
      "webhook-signature": `v1a,${Buffer.from(signature).toString("base64")}`,
    };
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    const forwarded = Buffer.from(
      (arrived.headers["x-original-webhook-signature"] ?? "").slice("v1a,".length),
      "base64",
    );
    const originalId = arrived.headers["x-original-webhook-id"];
    const originalTimestamp = arrived.headers["x-original-webhook-timestamp"];
    const original = `${originalId}.${originalTimestamp}.${arrived.body}`;
    const afterHop = new TextEncoder().encode(original);
    expect(await crypto.subtle.verify("Ed25519", keys.publicKey, forwarded, afterHop)).toBe(true);
    const tampered = { ...headers, "webhook-id": `msg_${crypto.randomUUID()}` };
    const refused = await ingest(relay, pipe.source.name, { body, headers: tampered });
    await expectSignatureRejected(refused, "bad_signature");
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

describe("credentials instead of signatures", () => {
  const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`;

  test("basic accepts the right user:password and never forwards Authorization", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "basic", secrets: ["relay:correct horse battery staple"] },
    });
    const body = '{"type":"basic.ping"}';
    const headers = {
      "content-type": "application/json",
      authorization: basic("relay:correct horse battery staple"),
    };
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers });
    const arrived = await waitForArrival(pipe.receiver, eventId);

    expect(arrived.headers.authorization).toBeUndefined();
    expect(arrived.body).toBe(body);
    const before = await countEvents(relay);
    const wrong = { ...headers, authorization: basic("relay:Tr0ub4dor&3") };
    await expectSignatureRejected(
      await ingest(relay, pipe.source.name, { body, headers: wrong }),
      "bad_signature",
    );
    const none = { "content-type": "application/json" };
    await expectSignatureRejected(
      await ingest(relay, pipe.source.name, { body, headers: none }),
      "missing_signature",
    );
    expect(await countEvents(relay)).toBe(before);
  }, 30_000);

  test("token reads a header, strips Bearer, and does not forward it", async () => {
    const token = "tok_9d8c7b6a5f4e3d2c1b0a";
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "token", secrets: [token], options: { header: "x-webhook-token" } },
    });
    const body = '{"type":"token.header"}';
    const plain = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: { "content-type": "application/json", "x-webhook-token": token },
    });
    await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: { "content-type": "application/json", "x-webhook-token": `Bearer ${token}` },
    });

    const arrived = await waitForArrival(pipe.receiver, plain.eventId);
    expect(arrived.headers["x-webhook-token"]).toBeUndefined();
    const wrong = { "x-webhook-token": "tok_guessed" };
    await expectSignatureRejected(
      await ingest(relay, pipe.source.name, { body, headers: wrong }),
      "bad_signature",
    );
    await expectSignatureRejected(
      await ingest(relay, pipe.source.name, { body }),
      "missing_signature",
    );
  }, 30_000);

  test("token reads a query parameter", async () => {
    const token = "tok_in_the_query_string_0001";
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "token", secrets: [token], options: { query: "token" } },
    });
    const body = '{"type":"token.query"}';
    const headers = { "content-type": "application/json" };
    const { eventId } = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers,
      query: `token=${token}`,
    });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(arrived.path).toBe("/hooks");
    const wrong = await ingest(relay, pipe.source.name, { body, headers, query: "token=nope" });
    await expectSignatureRejected(wrong, "bad_signature");
    const missing = await ingest(relay, pipe.source.name, { body, headers, query: "other=1" });
    await expectSignatureRejected(missing, "missing_signature");
  }, 30_000);

  test("none accepts anything, typed by the body's type", async () => {
    const pipe = await createPipe(relay, receivers, { verifier: { scheme: "none" } });
    const body = '{"type":"anything.goes","n":1}';
    const { eventId } = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: { "content-type": "application/json" },
    });

    await waitForArrival(pipe.receiver, eventId);
    const event: InboundEvent = await relay.json(`/v1/events/${eventId}`);
    expect(event).toMatchObject({
      type: "anything.goes",
      payload: { type: "anything.goes", n: 1 },
    });
  }, 30_000);
});
