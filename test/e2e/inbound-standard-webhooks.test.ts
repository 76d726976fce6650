/**
 * Standard Webhooks senders end to end, HMAC (whsec_) and Ed25519 (whpk_): the relay verifies,
 * signs anew for the destination, and forwards the sender's webhook-* headers renamed, so the
 * sender's signature still verifies after the hop.
 */
import { describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import {
  createPipe,
  expectSignatureRejected,
  type InboundEvent,
  ingest,
  ingestAccepted,
  newWhsec,
  waitForArrival,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const { relay, receivers } = relayPerFile();

const nowSeconds = () => Math.floor(Date.now() / 1000);

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
