/**
 * Which endpoints a published event goes to: event-type filters, and endpoints disabled and
 * enabled again, including deliveries already waiting for a retry or a free slot.
 */
import { describe, expect, test } from "bun:test";
import { startHeldReceiver, startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import {
  createEndpoint,
  getDelivery,
  publish,
  verifySignature,
  waitForRequests,
  waitForStatus,
  webhookIds,
} from "./api-fixtures.ts";

const ok = () => new Response("ok");

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
    // Deliberate: nothing marks a delivery held back, so give it 300 ms to be wrongly sent.
    await Bun.sleep(300);
    expect(receiver.requests).toHaveLength(1);

    await relay.json(path, { method: "PATCH", json: { enabled: true } });
    await waitForStatus(relay, second.body.deliveries[0]!.id, "succeeded");
    expect(webhookIds(receiver.requests)).toEqual([first.body.id, second.body.id]);
  });
});
