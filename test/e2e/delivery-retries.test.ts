/**
 * Retries against real receivers: the schedule's delays, a 429's Retry-After and its clamp,
 * a 302 that is never followed, and whether a 400 is retried.
 */
import { describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import {
  createEndpoint,
  isoTime,
  publish,
  verifySignature,
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
