import { describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";

const publish = (relay: Awaited<ReturnType<typeof startRelay>>, type: string) =>
  relay.json("/v1/events", { method: "POST", json: { type, payload: { at: Date.now() } } });

describe("circuit breaker", () => {
  test("stops attempting a failing endpoint for the cool-down, then probes once", async () => {
    using receiver = startReceiver(() => new Response("down", { status: 500 }));
    await using relay = await startRelay({
      env: {
        HOOKRELAY_RETRY_SCHEDULE: "50ms,50ms,50ms,50ms,50ms,50ms",
        HOOKRELAY_RETRY_JITTER: "0",
        HOOKRELAY_BREAKER_FAILURES: "2",
        HOOKRELAY_BREAKER_COOLDOWN: "1500ms",
        HOOKRELAY_ENDPOINT_CONCURRENCY: "1",
      },
    });
    await relay.json("/v1/endpoints", { method: "POST", json: { url: receiver.url } });
    await publish(relay, "breaker.test");
    await waitFor("two failed attempts", () => receiver.requests.length >= 2);
    const openedAt = receiver.requests[1]?.receivedAt ?? 0;
    await waitFor("the probe after the cool-down", () => receiver.requests.length >= 3, 10_000);
    const probeAt = receiver.requests[2]?.receivedAt ?? 0;
    // The schedule alone would have retried after 50 ms; the open breaker held it back.
    expect(probeAt - openedAt).toBeGreaterThanOrEqual(1_400);
    receiver.respondWith(() => new Response("ok"));
    await waitFor(
      "the breaker to close",
      () => relay.logs.some((line) => line.msg === "endpoint circuit closed"),
      10_000,
    );
    expect(relay.logs.some((line) => line.msg === "endpoint circuit opened")).toBe(true);
  }, 30_000);
});

describe("circuit breaker probes that get no answer", () => {
  test("a probe the transform skips lets the next probe go", async () => {
    using receiver = startReceiver(() => new Response("down", { status: 500 }));
    await using relay = await startRelay({
      env: {
        HOOKRELAY_RETRY_SCHEDULE: "30s",
        HOOKRELAY_BREAKER_FAILURES: "2",
        HOOKRELAY_BREAKER_COOLDOWN: "500ms",
        HOOKRELAY_ENDPOINT_CONCURRENCY: "1",
      },
    });
    await relay.json("/v1/endpoints", {
      method: "POST",
      json: {
        url: receiver.url,
        transform: {
          plugin: "jsonata",
          options: { expression: "event.payload.skip ? event.nothing : event.payload" },
        },
      },
    });
    const send = (payload: object) =>
      relay.json<{ deliveries: { id: string }[] }>("/v1/events", {
        method: "POST",
        json: { type: "probe.test", payload },
      });
    await send({ n: 1 });
    await send({ n: 2 });
    await waitFor("the breaker to open", () =>
      relay.logs.some((line) => line.msg === "endpoint circuit opened"),
    );
    // Due first after the cool-down, so it is the probe; the transform skips it.
    const skipped = await send({ skip: true });
    await waitFor("the probe to be skipped", async () => {
      const delivery = await relay.json<{ status: string }>(
        `/v1/deliveries/${skipped.deliveries[0]?.id}`,
      );
      return delivery.status === "skipped";
    });
    receiver.respondWith(() => new Response("ok"));
    const before = receiver.requests.length;
    await send({ n: 3 });
    await waitFor("a real probe after the skipped one", () => receiver.requests.length > before);
    await waitFor("the breaker to close", () =>
      relay.logs.some((line) => line.msg === "endpoint circuit closed"),
    );
  }, 30_000);
});

describe("rate limit", () => {
  test("sends no faster than the endpoint's rateLimitPerSecond", async () => {
    using receiver = startReceiver();
    await using relay = await startRelay({ env: { HOOKRELAY_ENDPOINT_CONCURRENCY: "8" } });
    await relay.json("/v1/endpoints", {
      method: "POST",
      json: { url: receiver.url, rateLimitPerSecond: 2 },
    });
    for (let i = 0; i < 6; i++) await publish(relay, "rate.test");
    await waitFor("six arrivals", () => receiver.requests.length >= 6, 10_000);
    const times = receiver.requests.map((r) => r.receivedAt);
    // A bucket of 2 allows two at once, then one every 500 ms: six take at least 2 s.
    expect((times[5] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(1_800);
  }, 30_000);
});

describe("auto-disable and operational webhooks", () => {
  test("disables an endpoint failing past the limit and tells the operator, signed", async () => {
    using operator = startReceiver();
    using failing = startReceiver(() => new Response("nope", { status: 503 }));
    const secret = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;
    await using relay = await startRelay({
      env: {
        HOOKRELAY_RETRY_SCHEDULE: "100ms,100ms,100ms,100ms,100ms,100ms",
        HOOKRELAY_AUTO_DISABLE_AFTER: "250ms",
        HOOKRELAY_BREAKER_FAILURES: "100",
        HOOKRELAY_OPERATIONAL_WEBHOOK_URL: operator.url,
        HOOKRELAY_OPERATIONAL_WEBHOOK_SECRET: secret,
      },
    });
    const endpoint = await relay.json("/v1/endpoints", {
      method: "POST",
      json: { url: failing.url },
    });
    await publish(relay, "doomed.event");
    const disabled = await waitFor(
      "the endpoint.disabled webhook",
      () => operator.requests.find((r) => JSON.parse(r.body).type === "endpoint.disabled"),
      10_000,
    );
    const verified = new Webhook(secret).verify(disabled.body, disabled.headers) as {
      data: { endpointId: string; reason: string };
    };
    expect(verified.data).toEqual({ endpointId: endpoint.id, reason: "failing" });
    const state = await relay.json(`/v1/endpoints/${endpoint.id}`);
    expect([state.enabled, state.disabledReason]).toEqual([false, "failing"]);
  }, 30_000);

  test("reports a dead delivery and a recovered endpoint", async () => {
    using operator = startReceiver();
    using flaky = startReceiver(() => new Response("nope", { status: 500 }));
    await using relay = await startRelay({
      env: {
        HOOKRELAY_RETRY_SCHEDULE: "50ms",
        HOOKRELAY_RECOVERY_REPORT_AFTER: "0ms",
        HOOKRELAY_OPERATIONAL_WEBHOOK_URL: operator.url,
      },
    });
    const endpoint = await relay.json("/v1/endpoints", {
      method: "POST",
      json: { url: flaky.url },
    });
    const first = await publish(relay, "first.try");
    const dead = await waitFor(
      "the delivery.dead webhook",
      () => operator.requests.find((r) => JSON.parse(r.body).type === "delivery.dead"),
      10_000,
    );
    // The whole data, as docs/endpoint-health.md lists it.
    expect(JSON.parse(dead.body).data).toEqual({
      endpointId: endpoint.id,
      deliveryId: first.deliveries[0].id,
      eventId: first.id,
      dead: true,
      attempts: 2,
      lastStatusCode: 500,
      lastError: null,
    });
    flaky.respondWith(() => new Response("ok"));
    await publish(relay, "second.try");
    const recovered = await waitFor(
      "the endpoint.recovered webhook",
      () => operator.requests.find((r) => JSON.parse(r.body).type === "endpoint.recovered"),
      10_000,
    );
    expect(JSON.parse(recovered.body).data).toEqual({ endpointId: endpoint.id });
    const operational = await relay.json("/v1/endpoints/ep_operational/secret");
    expect(new Webhook(operational.secret).verify(recovered.body, recovered.headers)).toBeTruthy();
  }, 30_000);
});

describe("disk and header limits", () => {
  test("answers 503 with Retry-After while free disk is under the threshold", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_MIN_FREE_DISK: "1000000TiB" } });
    const response = await relay.api("/v1/events", {
      method: "POST",
      json: { type: "no.room", payload: {} },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    const problem = (await response.json()) as { type: string };
    expect(problem.type).toBe("urn:hookrelay:problem:unavailable");
    const events = await relay.json("/v1/events");
    expect(events.data).toEqual([]);
  }, 30_000);

  test("refuses more than 100 headers with a 431 problem", async () => {
    await using relay = await startRelay();
    const headers = new Headers();
    for (let i = 0; i < 120; i++) headers.set(`x-filler-${i}`, "1");
    const response = await relay.api("/v1/endpoints", { headers });
    expect(response.status).toBe(431);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  }, 30_000);
});

describe("authentication failures", () => {
  test("answers 429 after too many failed tokens from one address, then only that", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_AUTH_FAILURES_PER_MINUTE: "3" } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await relay.api("/v1/endpoints", {
        headers: { authorization: `Bearer wrong-token-${i}-0123456789` },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const blocked = await relay.api("/v1/endpoints");
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBe("60");
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
  }, 30_000);
});

describe("deleting an endpoint mid-attempt", () => {
  test("keeps the delivery cancelled and still records the attempt that went out", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    using receiver = startReceiver(async () => {
      await held;
      return new Response("late ok");
    });
    await using relay = await startRelay();
    const endpoint = await relay.json("/v1/endpoints", {
      method: "POST",
      json: { url: receiver.url },
    });
    const event = await publish(relay, "deleted.mid.flight");
    await waitFor("the attempt to be in flight", () => receiver.requests.length === 1);
    expect((await relay.api(`/v1/endpoints/${endpoint.id}`, { method: "DELETE" })).status).toBe(
      204,
    );
    release();
    const delivery = await waitFor("the attempt to be recorded", async () => {
      const d = await relay.json(`/v1/deliveries/${event.deliveries[0].id}`);
      return d.attempts.length === 1 ? d : undefined;
    });
    expect(delivery).toMatchObject({ status: "cancelled", attemptCount: 1, lastStatusCode: 200 });
  }, 30_000);
});
