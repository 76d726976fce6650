/**
 * Deliveries that end dead: a 410 that also disables its endpoint, a schedule that runs out,
 * and the dead letters replayed or retried once the receiver is fixed.
 */
import { describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import {
  type Delivery,
  type Endpoint,
  type Page,
  createEndpoint,
  expectProblem,
  isoTime,
  publish,
  unknownId,
  waitForRequests,
  waitForStatus,
} from "./api-fixtures.ts";

const reply = (status: number, body = "", headers: Record<string, string> = {}) =>
  new Response(body, { status, headers });

describe("410 Gone", () => {
  test("kills the delivery, disables the endpoint and holds later events", async () => {
    await using relay = await startRelay();
    using gone = startReceiver(() => reply(410, "gone"));
    using marker = startReceiver();
    const endpoint = await createEndpoint(relay, { url: gone.url, eventTypes: ["gone.*"] });
    await createEndpoint(relay, { url: marker.url, eventTypes: ["marker"] });

    const first = await publish(relay, { type: "gone.first", payload: {} });
    const dead = await waitForStatus(relay, first.body.deliveries[0]!.id, "dead");
    expect(dead).toMatchObject({ attemptCount: 1, lastStatusCode: 410, finishedAt: isoTime() });
    expect(await relay.json<Endpoint>(`/v1/endpoints/${endpoint.id}`)).toMatchObject({
      enabled: false,
      disabledReason: "gone",
    });

    // A publish fans out to enabled endpoints only (api.md, Events), so nothing is queued.
    const later = await publish(relay, { type: "gone.later", payload: {} });
    expect(later.body.deliveries).toEqual([]);
    await publish(relay, { type: "marker", payload: {} });
    await waitForRequests(marker, 1, "the marker event");
    expect(gone.requests).toHaveLength(1);
  });
});

describe("dead letters", () => {
  test("dead-letters when the schedule runs out and replays once fixed", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_RETRY_SCHEDULE: "50ms,50ms" } });
    using receiver = startReceiver(() => reply(500, "down"));
    const endpoint = await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "doomed", payload: {} });
    const deliveryId = published.body.deliveries[0]!.id;
    const dead = await waitForStatus(relay, deliveryId, "dead");
    expect(dead).toMatchObject({ attemptCount: 3, lastStatusCode: 500, finishedAt: isoTime() });
    expect(dead.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500]);
    expect(receiver.requests).toHaveLength(3);

    const letters = `/v1/dead-letters?endpointId=${endpoint.id}`;
    const before = await relay.json<Page<Delivery>>(letters);
    expect(before.data.map((d) => [d.id, d.status])).toEqual([[deliveryId, "dead"]]);

    receiver.respondWith(() => reply(204));
    const replay = { method: "POST", json: { endpointId: endpoint.id } };
    expect(await relay.json("/v1/dead-letters/replay", replay)).toEqual({
      replayed: 1,
      skipped: 0,
    });
    const replayed = await waitForStatus(relay, deliveryId, "succeeded");
    expect(replayed.attempts.at(-1)).toMatchObject({ statusCode: 204, error: null });
    expect(receiver.requests).toHaveLength(4);
    expect((await relay.json<Page<Delivery>>(letters)).data).toEqual([]);
    expect(await relay.json("/v1/dead-letters/replay", replay)).toEqual({
      replayed: 0,
      skipped: 0,
    });
  });

  test("retries a dead delivery on request and refuses to retry a succeeded one", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_RETRY_SCHEDULE: "50ms" } });
    using receiver = startReceiver(() => reply(503));
    await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "manual.retry", payload: {} });
    const deliveryId = published.body.deliveries[0]!.id;
    await waitForStatus(relay, deliveryId, "dead");

    receiver.respondWith(() => reply(200));
    const retry = await relay.api(`/v1/deliveries/${deliveryId}/retry`, { method: "POST" });
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ id: deliveryId, status: "pending" });
    await waitForStatus(relay, deliveryId, "succeeded");

    const again = await relay.api(`/v1/deliveries/${deliveryId}/retry`, { method: "POST" });
    await expectProblem(again, { status: 409, slug: "delivery-succeeded" });
    const missing = await relay.api(`/v1/deliveries/${unknownId("dlv")}/retry`, {
      method: "POST",
    });
    await expectProblem(missing, { status: 404, slug: "not-found" });
  });
});
