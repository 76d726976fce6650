/** Publishing events: the envelope on the wire, idempotency, fan-out and type filters. */
import { describe, expect, test } from "bun:test";
import { startHeldReceiver, startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import {
  type Delivery,
  type Endpoint,
  type Page,
  type Published,
  createEndpoint,
  getDelivery,
  isoTime,
  publish,
  strangerSecret,
  verifySignature,
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
const ok = () => new Response("ok");

describe("what a receiver gets", () => {
  test("delivers a signed envelope whose webhook-id is the event id", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver();
    const endpoint = await createEndpoint(relay, {
      url: receiver.url,
      headers: { "x-tenant": "acme" },
    });
    const payload = { id: "in_1", amount: 1.5, name: "Zoë ☃", tags: ["a"], x: { ok: null } };
    const published = await publish(relay, { type: "invoice.paid", payload });
    expect(published.status).toBe(202);
    expect(published.body).toEqual({
      id: expect.stringMatching(/^evt_[0-9A-Za-z]+$/),
      type: "invoice.paid",
      createdAt: isoTime(),
      deliveries: [
        { id: expect.stringMatching(/^dlv_/), endpointId: endpoint.id, status: "pending" },
      ],
    });

    const [request] = await waitForRequests(receiver, 1);
    expect(request).toMatchObject({ method: "POST", path: "/hooks" });
    // A copy: bun 1.4.5's toMatchObject writes its asymmetric matchers into the received object.
    expect({ ...request!.headers }).toMatchObject({
      "content-type": expect.stringMatching(/^application\/json/),
      "user-agent": expect.stringMatching(/^hookrelay\//),
      "webhook-id": published.body.id,
      "webhook-timestamp": expect.stringMatching(/^\d+$/),
      "x-tenant": "acme",
    });
    const sentSeconds = Number(request!.headers["webhook-timestamp"]);
    expect(Math.abs(sentSeconds - request!.receivedAt / 1000)).toBeLessThan(5);

    const envelope = { type: "invoice.paid", timestamp: isoTime(), data: payload };
    expect(JSON.parse(request!.body)).toEqual(envelope);
    expect(verifySignature(endpoint.secret, request!)).toEqual(envelope);
    expect(() => verifySignature(strangerSecret(), request!)).toThrow();
  });

  test("uses a publisher-given id as the event id and webhook-id", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver();
    await createEndpoint(relay, { url: receiver.url });
    const event = { id: "order:42.v1", type: "order.placed", payload: 1 };
    const published = await publish(relay, event);
    expect(published.body.id).toBe("order:42.v1");
    const [request] = await waitForRequests(receiver, 1);
    expect(request!.headers["webhook-id"]).toBe("order:42.v1");
    expect(JSON.parse(request!.body)).toMatchObject({ type: "order.placed", data: 1 });
  });

  test("fans one event out to every endpoint with the same bytes and id", async () => {
    await using relay = await startRelay();
    using first = startReceiver();
    using second = startReceiver();
    using third = startReceiver();
    const receivers = [first, second, third];
    const endpoints: (Endpoint & { secret: string })[] = [];
    for (const { url } of receivers) endpoints.push(await createEndpoint(relay, { url }));
    const published = await publish(relay, { type: "fan.out", payload: { n: 3 } });
    expect(published.body.deliveries.map((d) => d.endpointId).toSorted()).toEqual(
      endpoints.map((endpoint) => endpoint.id).toSorted(),
    );

    const requests = [];
    for (const receiver of receivers) requests.push(...(await waitForRequests(receiver, 1)));
    expect(requests.map((request) => request.body)).toEqual(Array(3).fill(requests[0]!.body));
    expect(webhookIds(requests)).toEqual(Array(3).fill(published.body.id));
    requests.forEach((request, index) => {
      expect(verifySignature(endpoints[index]!.secret, request)).toMatchObject({ data: { n: 3 } });
      const other = endpoints[(index + 1) % 3]!.secret;
      expect(() => verifySignature(other, request)).toThrow();
    });
    expect(receivers.map((receiver) => receiver.requests.length)).toEqual([1, 1, 1]);
  });
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

describe("event-type filters", () => {
  test("matches invoice.* on one segment, while * and [] match every type", async () => {
    await using relay = await startRelay();
    using invoiceOnly = startReceiver();
    using star = startReceiver();
    using empty = startReceiver();
    using exact = startReceiver();
    const idFor = async (url: string, eventTypes: string[]) =>
      (await createEndpoint(relay, { url, eventTypes })).id;
    const inv = await idFor(invoiceOnly.url, ["invoice.*"]);
    const all = await idFor(star.url, ["*"]);
    const none = await idFor(empty.url, []);
    const cust = await idFor(exact.url, ["customer.created"]);
    const routedTo = async (type: string) => {
      const published = await publish(relay, { type, payload: {} });
      return published.body.deliveries.map((d) => d.endpointId).toSorted();
    };
    expect(await routedTo("invoice.paid")).toEqual([inv, all, none].toSorted());
    expect(await routedTo("invoice.paid.late")).toEqual([all, none].toSorted());
    expect(await routedTo("invoice")).toEqual([all, none].toSorted());
    expect(await routedTo("customer.created")).toEqual([all, none, cust].toSorted());

    await waitForRequests(star, 4);
    await waitForRequests(empty, 4);
    await waitForRequests(exact, 1);
    const [invoiceRequest] = await waitForRequests(invoiceOnly, 1);
    expect(JSON.parse(invoiceRequest!.body)).toMatchObject({ type: "invoice.paid" });
    expect(invoiceOnly.requests).toHaveLength(1);
    expect(exact.requests).toHaveLength(1);
  });
});

describe("disabled endpoints", () => {
  test("sends nothing to a disabled endpoint and resumes its waiting delivery", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_RETRY_JITTER: "0" } });
    using held = startReceiver((_request, index) =>
      index === 0 ? new Response("", { status: 503, headers: { "retry-after": "1" } }) : ok(),
    );
    using marker = startReceiver();
    const endpoint = await createEndpoint(relay, { url: held.url, eventTypes: ["held.*"] });
    await createEndpoint(relay, { url: marker.url, eventTypes: ["marker"] });
    const path = `/v1/endpoints/${endpoint.id}`;

    const waiting = await publish(relay, { type: "held.one", payload: {} });
    const deliveryId = waiting.body.deliveries[0]!.id;
    const failed = await waitFor("the first attempt", async () => {
      const delivery = await getDelivery(relay, deliveryId);
      return delivery.attemptCount === 1 && delivery;
    });
    await relay.json(path, { method: "PATCH", json: { enabled: false } });
    const whileDisabled = await publish(relay, { type: "held.two", payload: {} });
    expect(whileDisabled.body.deliveries).toEqual([]);

    const dueAt = Date.parse(failed.nextAttemptAt!);
    await waitFor("the retry to fall due", () => Date.now() > dueAt + 300, 3_000);
    await publish(relay, { type: "marker", payload: {} });
    await waitForRequests(marker, 1, "the marker event");
    expect(held.requests).toHaveLength(1);
    expect(await getDelivery(relay, deliveryId)).toMatchObject({ status: "pending" });

    await relay.json(path, { method: "PATCH", json: { enabled: true } });
    await waitForStatus(relay, deliveryId, "succeeded");
    expect(webhookIds(held.requests)).toEqual([waiting.body.id, waiting.body.id]);
  });

  test("signs a delivery waiting in memory with the secret rotated in meanwhile", async () => {
    const env = { HOOKRELAY_CONCURRENCY: "1", HOOKRELAY_ENDPOINT_CONCURRENCY: "1" };
    await using relay = await startRelay({ env });
    using receiver = startHeldReceiver();
    const endpoint = await createEndpoint(relay, { url: receiver.url });
    await publish(relay, { type: "slot.one", payload: {} });
    await waitForRequests(receiver, 1, "the first attempt to be in flight");
    const second = await publish(relay, { type: "slot.two", payload: {} });
    const rotated = await relay.json<{ secret: string }>(
      `/v1/endpoints/${endpoint.id}/rotate-secret`,
      { method: "POST", json: { overlapSeconds: 0 } },
    );
    receiver.release();
    await waitForStatus(relay, second.body.deliveries[0]!.id, "succeeded");
    const sent = receiver.requests[1]!;
    expect(sent.headers["webhook-id"]).toBe(second.body.id);
    expect(() => verifySignature(rotated.secret, sent)).not.toThrow();
    expect(() => verifySignature(endpoint.secret, sent)).toThrow();
  });

  test("holds back deliveries waiting in memory when their endpoint is disabled", async () => {
    // One slot: the first event is in flight, the second waits in memory for the slot.
    const env = { HOOKRELAY_CONCURRENCY: "1", HOOKRELAY_ENDPOINT_CONCURRENCY: "1" };
    await using relay = await startRelay({ env });
    using receiver = startHeldReceiver();
    const endpoint = await createEndpoint(relay, { url: receiver.url });
    const first = await publish(relay, { type: "slot.one", payload: {} });
    await waitForRequests(receiver, 1, "the first attempt to be in flight");
    const second = await publish(relay, { type: "slot.two", payload: {} });
    const path = `/v1/endpoints/${endpoint.id}`;
    await relay.json(path, { method: "PATCH", json: { enabled: false } });
    receiver.release();
    await waitForStatus(relay, first.body.deliveries[0]!.id, "succeeded");
    await Bun.sleep(300);
    expect(receiver.requests).toHaveLength(1);

    await relay.json(path, { method: "PATCH", json: { enabled: true } });
    await waitForStatus(relay, second.body.deliveries[0]!.id, "succeeded");
    expect(webhookIds(receiver.requests)).toEqual([first.body.id, second.body.id]);
  });
});

describe("reading events back", () => {
  test("returns a stored event with its payload and full deliveries", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver();
    const endpoint = await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "read.back", payload: { x: [1, 2] } });
    const deliveryId = published.body.deliveries[0]!.id;
    await waitForStatus(relay, deliveryId, "succeeded");
    expect(await relay.json(`/v1/events/${published.body.id}`)).toMatchObject({
      id: published.body.id,
      type: "read.back",
      createdAt: published.body.createdAt,
      payload: { x: [1, 2] },
      deliveries: [
        {
          id: deliveryId,
          eventId: published.body.id,
          endpointId: endpoint.id,
          status: "succeeded",
          attemptCount: 1,
          lastStatusCode: 200,
          lastError: null,
          finishedAt: isoTime(),
        },
      ],
    });
  });

  test("lists events of one type newest first", async () => {
    await using relay = await startRelay();
    const older = await publish(relay, { type: "list.a", payload: 1 });
    await publish(relay, { type: "list.b", payload: 2 });
    const newer = await publish(relay, { type: "list.a", payload: 3 });
    const page = await relay.json<Page<{ id: string; type: string }>>("/v1/events?type=list.a");
    expect(page.data.map(({ id, type }) => ({ id, type }))).toEqual([
      { id: newer.body.id, type: "list.a" },
      { id: older.body.id, type: "list.a" },
    ]);
    expect(page.nextCursor).toBeNull();
  });
});
