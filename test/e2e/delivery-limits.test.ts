/**
 * Isolation and limits: a stuck endpoint does not hold up others, the concurrency limits hold
 * under a burst, large answers are cut to 16 KiB, and timeouts and refused connections are
 * recorded with why.
 */
import { describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import {
  createEndpoint,
  gate,
  getDelivery,
  publish,
  waitForRequests,
  waitForStatus,
} from "./api-fixtures.ts";

/** Receiver timestamps are whole milliseconds and timers may fire a little early. */
const toleranceMs = 15;

const reply = (status: number, body = "", headers: Record<string, string> = {}) =>
  new Response(body, { status, headers });

describe("isolation and limits", () => {
  test("keeps delivering to a fast endpoint while a slow one is stuck", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_ATTEMPT_TIMEOUT: "30s" } });
    const release = gate();
    let slowAnswered = 0;
    using slow = startReceiver(async () => {
      // Stuck on purpose until the test opens the gate; the 5 s is only a backstop.
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
      // Deliberate: each answer takes 50 ms, the window in which a second request must not come.
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
      // Deliberate: a slow answer keeps requests in flight together, so the limits are tested.
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
