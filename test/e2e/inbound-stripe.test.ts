/**
 * Stripe through the relay: events signed with stripe's own test-header helper, verified by
 * the relay and again downstream, after the hop, with stripe's constructEventAsync on the
 * ORIGINAL Stripe-Signature. Routing follows the event's `type`; dedupe its `id`.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import Stripe from "stripe";
import { startReceiver } from "../support/receiver.ts";
import {
  arrivalsOf,
  countEvents,
  createPipe,
  createSource,
  fixtureBytes,
  type InboundEvent,
  ingestAccepted,
  sha256Hex,
  uniqueSourceName,
  waitForArrival,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { type Delivery, waitForStatus } from "./api-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const secret = "whsec_test_5e1f0c3a9b8d7e6f5a4b3c2d1e0f9a8b";
const stripe = new Stripe("sk_test_hookrelay");
const contentType = "application/json; charset=utf-8";
const fixtures = [
  "stripe/invoice.paid.json",
  "stripe/payment_intent.succeeded.json",
  "stripe/checkout.session.completed.json",
];

const { relay, receivers } = relayPerFile();
const bodies = new Map<string, string>();

beforeAll(async () => {
  const decoder = new TextDecoder();
  for (const path of fixtures) bodies.set(path, decoder.decode(await fixtureBytes(path)));
});

function bodyOf(path: string): string {
  const body = bodies.get(path);
  if (body === undefined) throw new Error(`no fixture ${path}`);
  return body;
}

/** A request as Stripe sends it: the raw JSON and `Stripe-Signature: t=…,v1=…`. */
async function stripeRequest(payload: string, options: { timestamp?: number } = {}) {
  const header = await stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret,
    ...options,
  });
  return {
    body: payload,
    headers: {
      "content-type": contentType,
      "stripe-signature": header,
      "user-agent": "Stripe/1.0",
    },
  };
}

describe("real Stripe events", () => {
  test("forwards each event byte-exact and its signature verifies downstream", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "stripe", secrets: [secret] },
    });
    for (const path of fixtures) {
      const payload = bodyOf(path);
      const request = await stripeRequest(payload);
      const { eventId } = await ingestAccepted(relay, pipe.source.name, request);
      const arrived = await waitForArrival(pipe.receiver, eventId);

      expect(sha256Hex(arrived.bodyBytes)).toBe(sha256Hex(payload));
      expect(arrived.headers["content-type"]).toBe(contentType);
      const header = arrived.headers["stripe-signature"] ?? "";
      expect(header).toBe(request.headers["stripe-signature"]);
      const event = await stripe.webhooks.constructEventAsync(arrived.body, header, secret);
      expect(event).toEqual(JSON.parse(payload));
      const tampered = stripe.webhooks.constructEventAsync(`${arrived.body} `, header, secret);
      await expect(tampered).rejects.toThrow();
      const listed: InboundEvent = await relay.json(`/v1/events/${eventId}`);
      expect(listed).toMatchObject({
        type: event.type,
        sourceId: pipe.source.id,
        contentType,
        payload: JSON.parse(payload),
      });
    }
  }, 30_000);

  test("routes on the event's type", async () => {
    const invoices = startReceiver();
    const payments = startReceiver();
    receivers.push(invoices, payments);
    const source = await createSource(relay, {
      name: uniqueSourceName("stripe-routing"),
      verifier: { scheme: "stripe", secrets: [secret] },
      destinations: [
        { url: invoices.url, eventTypes: ["invoice.*"] },
        { url: payments.url, eventTypes: ["payment_intent.succeeded", "checkout.session.*"] },
      ],
    });
    const [invoicesEp, paymentsEp] = source.destinations;
    const routedTo = async (path: string) => {
      const { eventId } = await ingestAccepted(
        relay,
        source.name,
        await stripeRequest(bodyOf(path)),
      );
      const event: { deliveries: Delivery[] } = await relay.json(`/v1/events/${eventId}`);
      return { eventId, endpoints: event.deliveries.map((d) => d.endpointId) };
    };

    const invoice = await routedTo("stripe/invoice.paid.json");
    const payment = await routedTo("stripe/payment_intent.succeeded.json");
    const checkout = await routedTo("stripe/checkout.session.completed.json");
    expect(invoice.endpoints).toEqual([invoicesEp as string]);
    expect(payment.endpoints).toEqual([paymentsEp as string]);
    expect(checkout.endpoints).toEqual([paymentsEp as string]);
    await waitForArrival(invoices, invoice.eventId);
    await waitForArrival(payments, payment.eventId);
    await waitForArrival(payments, checkout.eventId);
    expect(invoices.requests).toHaveLength(1);
  }, 30_000);
});

describe("dedupe on the Stripe event id", () => {
  test("stores a retried event once though its signature timestamp differs", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "stripe", secrets: [secret] },
    });
    const payload = bodyOf("stripe/invoice.paid.json");
    const now = Math.floor(Date.now() / 1000);
    const before = await countEvents(relay);
    const first = await ingestAccepted(
      relay,
      pipe.source.name,
      await stripeRequest(payload, { timestamp: now - 60 }),
    );
    const retry = await stripeRequest(payload, { timestamp: now });
    const again = await ingestAccepted(relay, pipe.source.name, retry);

    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ eventId: first.eventId, duplicate: true });
    expect(again.headers.get("hookrelay-duplicate")).toBe("true");
    expect(await countEvents(relay)).toBe(before + 1);
    const event: { deliveries: Delivery[] } = await relay.json(`/v1/events/${first.eventId}`);
    await waitForStatus(relay, event.deliveries[0]?.id as string, "succeeded");
    expect(arrivalsOf(pipe.receiver, first.eventId)).toHaveLength(1);
    expect(pipe.receiver.requests).toHaveLength(1);
  }, 30_000);

  test("stores events that differ only in their id as two", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "stripe", secrets: [secret] },
    });
    const payload = bodyOf("stripe/payment_intent.succeeded.json");
    const twin = payload.replace("evt_3QxB1cDeFgHiJkLm0u7V8wXy", "evt_3QxB1cDeFgHiJkLm0u7V8wXz");
    expect(twin).not.toBe(payload);
    const before = await countEvents(relay);
    const one = await ingestAccepted(relay, pipe.source.name, await stripeRequest(payload));
    const two = await ingestAccepted(relay, pipe.source.name, await stripeRequest(twin));

    expect([one.duplicate, two.duplicate]).toEqual([false, false]);
    expect(await countEvents(relay)).toBe(before + 2);
    await waitForArrival(pipe.receiver, one.eventId);
    await waitForArrival(pipe.receiver, two.eventId);
  }, 30_000);
});
