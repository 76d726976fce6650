/**
 * What a publish sends and stores: the signed envelope a receiver gets, a publisher-given id,
 * fan-out of the same bytes to every endpoint, and the event read back with its deliveries.
 */
import { describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import {
  type Endpoint,
  type Page,
  createEndpoint,
  isoTime,
  publish,
  strangerSecret,
  verifySignature,
  waitForRequests,
  waitForStatus,
  webhookIds,
} from "./api-fixtures.ts";

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
