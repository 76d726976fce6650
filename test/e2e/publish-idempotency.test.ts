/**
 * Idempotent publishing: a repeated Idempotency-Key or client-given id replays the first
 * answer and sends once; the same key with another body is a 409, even within one burst.
 */
import { describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import {
  type Delivery,
  type Page,
  type Published,
  createEndpoint,
  publish,
  waitForRequests,
  waitForStatus,
  webhookIds,
} from "./api-fixtures.ts";

/** The parts of a publish answer that a replay must repeat whatever the deliveries did since. */
const sameEvent = ({ status, replayed, body }: Published) => ({
  status,
  replayed,
  event: { ...body, deliveries: body.deliveries.map(({ id, endpointId }) => [id, endpointId]) },
});

describe("idempotent publishing", () => {
  test("replays the original answer for a repeated Idempotency-Key and sends once", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver();
    await createEndpoint(relay, { url: receiver.url });
    const event = { type: "order.paid", payload: { order: 7 } };
    const first = await publish(relay, event, "order-7-paid");
    const replay = await publish(relay, event, "order-7-paid");
    expect(first.replayed).not.toBe("true");
    expect(sameEvent(replay)).toEqual({ ...sameEvent(first), replayed: "true" });

    await waitForRequests(receiver, 1);
    const page = await relay.json<Page<Delivery>>(`/v1/deliveries?eventId=${first.body.id}`);
    expect(page.data.map((delivery) => delivery.id)).toEqual([first.body.deliveries[0]!.id]);
    const events = await relay.json<Page<{ id: string }>>("/v1/events?type=order.paid");
    expect(events.data.map((stored) => stored.id)).toEqual([first.body.id]);

    const marker = await publish(relay, { type: "marker", payload: {} });
    await waitForRequests(receiver, 2, "the marker event");
    expect(webhookIds(receiver.requests)).toEqual([first.body.id, marker.body.id]);
  });

  test("replays the original answer even after the delivery has succeeded", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver();
    await createEndpoint(relay, { url: receiver.url });
    const event = { type: "order.shipped", payload: { order: 11 } };
    const first = await publish(relay, event, "order-11-shipped");
    await waitForStatus(relay, first.body.deliveries[0]!.id, "succeeded");
    const replay = await publish(relay, event, "order-11-shipped");
    expect(replay).toEqual({ status: 202, replayed: "true", body: first.body });
  });

  test("refuses a reused Idempotency-Key with a different body with 409", async () => {
    await using relay = await startRelay();
    await publish(relay, { type: "order.paid", payload: { order: 8 } }, "order-8");
    for (const changed of [
      { type: "order.paid", payload: { order: 9 } },
      { type: "order.refunded", payload: { order: 8 } },
    ]) {
      const response = await relay.api("/v1/events", {
        method: "POST",
        json: changed,
        headers: { "idempotency-key": "order-8" },
      });
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({
        type: "urn:hookrelay:problem:idempotency-conflict",
        status: 409,
      });
    }
    const events = await relay.json<Page<{ id: string }>>("/v1/events");
    expect(events.data).toHaveLength(1);
  });

  test("treats a repeated client-given id with the same body as a replay", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver();
    await createEndpoint(relay, { url: receiver.url });
    const event = { id: "evt-client-1", type: "user.created", payload: { u: 1 } };
    const first = await publish(relay, event);
    const replay = await publish(relay, event);
    expect(sameEvent(replay)).toEqual({ ...sameEvent(first), replayed: "true" });
    const page = await relay.json<Page<Delivery>>("/v1/deliveries?eventId=evt-client-1");
    expect(page.data).toHaveLength(1);
  });

  test("keeps one event when the same key arrives many times at once", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver();
    await createEndpoint(relay, { url: receiver.url });
    const event = { type: "order.paid", payload: { order: 12 } };
    const changed = { type: "order.paid", payload: { order: 13 } };
    // Sent together, these land in one write batch: replays and conflicts must be found
    // among the batch's own new events, not only among committed ones.
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        relay.api("/v1/events", {
          method: "POST",
          json: index % 4 === 3 ? changed : event,
          headers: { "idempotency-key": "order-12-burst" },
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    const bodies = await Promise.all(
      answers.map((answer) => answer.json() as Promise<{ id?: string }>),
    );
    const accepted = bodies.filter((_, index) => statuses[index] === 202);
    expect(new Set(accepted.map((body) => body.id)).size).toBe(1);
    const fresh = answers.filter((answer) => answer.headers.get("idempotent-replayed") === null);
    expect(fresh.filter((answer) => answer.status === 202)).toHaveLength(1);
    // Whichever body came first wins; every other body gets the conflict.
    expect(statuses.filter((status) => status === 409).length).toBeGreaterThanOrEqual(10);
    expect(statuses.every((status) => status === 202 || status === 409)).toBe(true);

    await waitForRequests(receiver, 1);
    const events = await relay.json<Page<{ id: string }>>("/v1/events?type=order.paid");
    expect(events.data).toHaveLength(1);
    const marker = await publish(relay, { type: "marker", payload: {} });
    await waitForRequests(receiver, 2, "the marker event");
    expect(webhookIds(receiver.requests)).toEqual([accepted[0]?.id, marker.body.id]);
  });

  test("refuses a repeated client-given id with a different payload with 409", async () => {
    await using relay = await startRelay();
    await publish(relay, { id: "evt-client-2", type: "user.created", payload: { u: 1 } });
    const response = await relay.api("/v1/events", {
      method: "POST",
      json: { id: "evt-client-2", type: "user.created", payload: { u: 2 } },
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      type: "urn:hookrelay:problem:idempotency-conflict",
    });
    const stored = await relay.json<{ payload: unknown }>("/v1/events/evt-client-2");
    expect(stored.payload).toEqual({ u: 1 });
  });
});
