/** Delivery against real receivers: retries, Retry-After, redirects, 410, dead letters, caps. */
import { describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import {
  type Delivery,
  type Endpoint,
  type Page,
  createEndpoint,
  expectProblem,
  gate,
  getDelivery,
  isoTime,
  publish,
  unknownId,
  verifySignature,
  waitForRequests,
  waitForStatus,
} from "./api-fixtures.ts";

/** Exact delays: the schedule's jitter would blur the timing assertions below. */
const exactRetries = { HOOKRELAY_RETRY_JITTER: "0" };
/** Receiver timestamps are whole milliseconds and timers may fire a little early. */
const toleranceMs = 15;

const gaps = (requests: { receivedAt: number }[]) =>
  requests.slice(1).map((request, index) => request.receivedAt - requests[index]!.receivedAt);

const reply = (status: number, body = "", headers: Record<string, string> = {}) =>
  new Response(body, { status, headers });

describe("retries", () => {
  test("retries a 500 after the scheduled delays and logs every attempt", async () => {
    await using relay = await startRelay({ env: exactRetries });
    using receiver = startReceiver((_request, index) =>
      index < 2 ? reply(500, "boom") : reply(200, "fine"),
    );
    const endpoint = await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "retry.me", payload: { n: 1 } });
    const delivery = await waitForStatus(relay, published.body.deliveries[0]!.id, "succeeded");

    const attempt = (number: number, statusCode: number, responseBody: string) => ({
      id: expect.stringMatching(/^att_/),
      attempt: number,
      startedAt: isoTime(),
      durationMs: expect.any(Number),
      statusCode,
      error: null,
      retryAfterMs: null,
      responseBody,
      responseBodyTruncated: false,
    });
    expect(delivery).toMatchObject({
      status: "succeeded",
      attemptCount: 3,
      lastStatusCode: 200,
      lastError: null,
      finishedAt: isoTime(),
    });
    expect(delivery.attempts).toEqual([
      attempt(1, 500, "boom"),
      attempt(2, 500, "boom"),
      attempt(3, 200, "fine"),
    ]);
    expect(delivery.attempts.every((a) => a.durationMs >= 0)).toBe(true);

    const requests = receiver.requests;
    expect(requests).toHaveLength(3);
    const [first, second] = gaps(requests);
    expect(first).toBeGreaterThanOrEqual(100 - toleranceMs);
    expect(second).toBeGreaterThanOrEqual(200 - toleranceMs);
    expect(new Set(requests.map((request) => request.body)).size).toBe(1);
    for (const request of requests) {
      expect(request.headers["webhook-id"]).toBe(published.body.id);
      expect(verifySignature(endpoint.secret, request)).toMatchObject({ type: "retry.me" });
    }
  });

  test("waits for a 429's Retry-After instead of the shorter schedule", async () => {
    await using relay = await startRelay({ env: exactRetries });
    using receiver = startReceiver((_request, index) =>
      index === 0 ? reply(429, "slow down", { "retry-after": "1" }) : reply(200),
    );
    await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "rate.limited", payload: {} });
    const delivery = await waitForStatus(relay, published.body.deliveries[0]!.id, "succeeded");
    expect(delivery.attempts.map((a) => [a.statusCode, a.retryAfterMs])).toEqual([
      [429, 1000],
      [200, null],
    ]);
    const [gap] = gaps(receiver.requests);
    expect(gap).toBeGreaterThanOrEqual(1000 - toleranceMs);
    expect(gap).toBeLessThan(2500);
  });

  test("clamps a long Retry-After to HOOKRELAY_RETRY_AFTER_MAX", async () => {
    await using relay = await startRelay({
      env: { ...exactRetries, HOOKRELAY_RETRY_AFTER_MAX: "300ms" },
    });
    using receiver = startReceiver((_request, index) =>
      index === 0 ? reply(503, "", { "retry-after": "3600" }) : reply(200),
    );
    await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "clamped", payload: {} });
    await waitForStatus(relay, published.body.deliveries[0]!.id, "succeeded");
    const [gap] = gaps(receiver.requests);
    expect(gap).toBeGreaterThanOrEqual(300 - toleranceMs);
    expect(gap).toBeLessThan(2500);
  });

  test("records a 302 as a failure and never follows its Location", async () => {
    await using relay = await startRelay();
    using elsewhere = startReceiver();
    using receiver = startReceiver((_request, index) =>
      index === 0 ? reply(302, "", { location: elsewhere.url }) : reply(200),
    );
    await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "redirected", payload: {} });
    const delivery = await waitForStatus(relay, published.body.deliveries[0]!.id, "succeeded");
    expect(delivery.attempts.map((a) => [a.statusCode, a.error])).toEqual([
      [302, null],
      [200, null],
    ]);
    expect(elsewhere.requests).toHaveLength(0);
  });

  test("retries a 400 by default", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver((_request, index) => reply(index === 0 ? 400 : 200));
    await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "client.error", payload: {} });
    const delivery = await waitForStatus(relay, published.body.deliveries[0]!.id, "succeeded");
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([400, 200]);
  });

  test("dead-letters a 400 at once with HOOKRELAY_RETRY_CLIENT_ERRORS=false", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_RETRY_CLIENT_ERRORS: "false" } });
    using receiver = startReceiver(() => reply(400, "bad"));
    await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "client.error", payload: {} });
    const delivery = await waitForStatus(relay, published.body.deliveries[0]!.id, "dead");
    expect(delivery).toMatchObject({ attemptCount: 1, lastStatusCode: 400 });
    expect(receiver.requests).toHaveLength(1);
  });
});

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
    expect(await relay.json("/v1/dead-letters/replay", replay)).toEqual({ replayed: 1 });
    const replayed = await waitForStatus(relay, deliveryId, "succeeded");
    expect(replayed.attempts.at(-1)).toMatchObject({ statusCode: 204, error: null });
    expect(receiver.requests).toHaveLength(4);
    expect((await relay.json<Page<Delivery>>(letters)).data).toEqual([]);
    expect(await relay.json("/v1/dead-letters/replay", replay)).toEqual({ replayed: 0 });
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

describe("isolation and limits", () => {
  test("keeps delivering to a fast endpoint while a slow one is stuck", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_ATTEMPT_TIMEOUT: "30s" } });
    const release = gate();
    let slowAnswered = 0;
    using slow = startReceiver(async () => {
      await Promise.race([release.promise, Bun.sleep(5_000)]);
      slowAnswered++;
      return reply(200);
    });
    using fast = startReceiver();
    try {
      await createEndpoint(relay, { url: slow.url });
      await createEndpoint(relay, { url: fast.url });
      for (let n = 0; n < 10; n++) await publish(relay, { type: "mixed.speed", payload: { n } });
      await waitForRequests(fast, 10, "10 events at the fast endpoint", 4_000);
      expect(slowAnswered).toBe(0);
      expect(slow.requests.length).toBeGreaterThanOrEqual(1);
      const data = fast.requests.map((request) => JSON.parse(request.body).data.n);
      expect(data.toSorted((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      release.open();
    }
  });

  test("sends one request at a time with HOOKRELAY_ENDPOINT_CONCURRENCY=1", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_ENDPOINT_CONCURRENCY: "1" } });
    let inFlight = 0;
    let maxInFlight = 0;
    using receiver = startReceiver(async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await Bun.sleep(50);
      inFlight--;
      return reply(200);
    });
    await createEndpoint(relay, { url: receiver.url });
    for (let n = 0; n < 4; n++) await publish(relay, { type: "one.at.a.time", payload: { n } });
    await waitForRequests(receiver, 4);
    await waitFor("the last answer", () => inFlight === 0);
    expect(maxInFlight).toBe(1);
  });

  test("holds both limits when a burst is handed over faster than it can be sent", async () => {
    // 40 events published at once to 2 endpoints: far more than the 4 slots and the room to
    // wait beside them, so some are started from memory, some wait there, some are claimed.
    const env = { HOOKRELAY_CONCURRENCY: "4", HOOKRELAY_ENDPOINT_CONCURRENCY: "2" };
    await using relay = await startRelay({ env });
    let total = 0;
    let maxTotal = 0;
    const perPath = new Map<string, number>();
    let maxPerPath = 0;
    using receiver = startReceiver(async ({ path }) => {
      maxTotal = Math.max(maxTotal, ++total);
      perPath.set(path, (perPath.get(path) ?? 0) + 1);
      maxPerPath = Math.max(maxPerPath, perPath.get(path) ?? 0);
      await Bun.sleep(20);
      perPath.set(path, (perPath.get(path) ?? 1) - 1);
      total--;
      return reply(200);
    });
    await createEndpoint(relay, { url: `${receiver.url}/a` });
    await createEndpoint(relay, { url: `${receiver.url}/b` });
    const published = await Promise.all(
      Array.from({ length: 40 }, (_, n) => publish(relay, { type: "burst", payload: { n } })),
    );
    await waitForRequests(receiver, 80, "80 deliveries", 20_000);
    await waitFor("the last answer", () => total === 0);
    expect(maxPerPath).toBeLessThanOrEqual(2);
    expect(maxTotal).toBeLessThanOrEqual(4);
    const sent = receiver.requests.map(
      (request) => `${request.path} ${request.headers["webhook-id"]}`,
    );
    const expected = published.flatMap(({ body }) => [
      `/hooks/a ${body.id}`,
      `/hooks/b ${body.id}`,
    ]);
    expect(sent.toSorted()).toEqual(expected.toSorted());
  });

  test("keeps the first 16 KiB of a large response body and flags it truncated", async () => {
    await using relay = await startRelay();
    const largeBody = "0123456789abcdef".repeat(6400);
    using receiver = startReceiver(() => reply(200, largeBody));
    await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "big.answer", payload: {} });
    const delivery = await waitForStatus(relay, published.body.deliveries[0]!.id, "succeeded");
    const [attempt] = delivery.attempts;
    expect(attempt).toMatchObject({ statusCode: 200, responseBodyTruncated: true });
    const kept = attempt!.responseBody ?? "";
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThanOrEqual(16_384);
    expect(largeBody.startsWith(kept)).toBe(true);
  });

  test("records a timeout when the receiver outlasts the attempt timeout", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_ATTEMPT_TIMEOUT: "300ms" } });
    const release = gate();
    using receiver = startReceiver(async () => {
      await release.promise;
      return reply(200);
    });
    try {
      await createEndpoint(relay, { url: receiver.url });
      const published = await publish(relay, { type: "never.answered", payload: {} });
      const deliveryId = published.body.deliveries[0]!.id;
      const delivery = await waitFor("the first attempt to be recorded", async () => {
        const current = await getDelivery(relay, deliveryId);
        return current.attempts.length >= 1 && current;
      });
      expect(delivery.attempts[0]).toMatchObject({
        statusCode: null,
        error: "timeout",
        responseBody: "no complete answer within 300 ms",
      });
      expect(delivery.attempts[0]!.durationMs).toBeGreaterThanOrEqual(300 - toleranceMs);
      expect(delivery.attempts[0]!.durationMs).toBeLessThan(2_000);
      expect(delivery).toMatchObject({ status: "pending", lastError: "timeout" });
    } finally {
      release.open();
    }
  });

  test("records a connection error and why when nothing listens at the endpoint", async () => {
    await using relay = await startRelay();
    const closed = startReceiver();
    closed.stop();
    await createEndpoint(relay, { url: closed.url });
    const published = await publish(relay, { type: "nobody.home", payload: {} });
    const deliveryId = published.body.deliveries[0]!.id;
    const delivery = await waitFor("the first attempt to be recorded", async () => {
      const current = await getDelivery(relay, deliveryId);
      return current.attempts.length >= 1 && current;
    });
    const { statusCode, error, responseBody } = delivery.attempts[0]!;
    expect({ statusCode, error }).toEqual({ statusCode: null, error: "connection_error" });
    expect(responseBody).toStartWith("ECONNREFUSED");
    const warning = await waitFor("the failed attempt's warning", () =>
      relay.logs.find((line) => line.msg === "attempt failed" && line.deliveryId === deliveryId),
    );
    expect(warning).toMatchObject({ level: "warn", error, errorReason: responseBody });
  });
});
