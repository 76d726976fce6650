/**
 * Transforms in the delivery pipeline, against the real relay: the built-in jsonata and user
 * transforms from a plugins directory reshape the body (and the signature covers the new
 * bytes), a skip sends nothing, and a transform that throws or never returns fails only its
 * attempt with `plugin_error` while the relay keeps serving.
 */
import { describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { type Receiver, startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { isoTime, publish } from "./api-fixtures.ts";
import {
  createPluginEndpoint,
  deliverOne,
  fixtureDir,
  getPluginDelivery,
  type PluginChoice,
  type PluginEndpoint,
  waitForPluginDelivery,
} from "./plugins-support.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

/** Exact delays, so the retry gaps below can be checked against the schedule. */
const env = {
  HOOKRELAY_PLUGINS_DIR: fixtureDir("working"),
  HOOKRELAY_RETRY_JITTER: "0",
  HOOKRELAY_RETRY_SCHEDULE: "100ms,200ms,300ms",
};
/** Timers may fire a little early and attempt times are whole milliseconds. */
const toleranceMs = 15;

const { relay, receivers } = relayPerFile({ env });

async function transformedEndpoint(
  on: Relay,
  type: string,
  choice: PluginChoice,
): Promise<{ endpoint: PluginEndpoint; receiver: Receiver }> {
  const receiver = startReceiver();
  receivers.push(receiver);
  const endpoint = await createPluginEndpoint(on, {
    url: receiver.url,
    eventTypes: [type],
    ...choice,
  });
  return { endpoint, receiver };
}

describe("transforms that send", () => {
  test("jsonata reshapes the body and the signature covers the new bytes", async () => {
    const expression = '{ "kind": event.type, "cents": event.payload.amount, "id": event.id }';
    const { endpoint, receiver } = await transformedEndpoint(relay, "transform.jsonata", {
      transform: { plugin: "jsonata", options: { expression } },
    });
    const { eventId, request } = await deliverOne(relay, receiver, "transform.jsonata", {
      amount: 4200,
      secretNote: "not forwarded",
    });

    expect(endpoint.transform).toEqual({ plugin: "jsonata", options: { expression } });
    expect(JSON.parse(request.body)).toEqual({
      kind: "transform.jsonata",
      cents: 4200,
      id: eventId,
    });
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["content-length"]).toBe(String(request.bodyBytes.length));
    expect(new Webhook(endpoint.secret).verify(request.body, request.headers)).toEqual({
      kind: "transform.jsonata",
      cents: 4200,
      id: eventId,
    });
  });

  test("jsonata that yields nothing skips the delivery", async () => {
    const { receiver } = await transformedEndpoint(relay, "transform.jsonata.filter", {
      transform: { plugin: "jsonata", options: { expression: "event.payload[amount > 100]" } },
    });
    const { body } = await publish(relay, {
      type: "transform.jsonata.filter",
      payload: { amount: 5 },
    });
    const delivery = await waitForPluginDelivery(relay, body.deliveries[0]!.id, "skipped");

    expect(delivery).toMatchObject({ status: "skipped", attemptCount: 0, attempts: [] });
    expect(receiver.requests).toEqual([]);
  });

  test("a user transform from the plugins directory sets the body and its headers", async () => {
    const { endpoint, receiver } = await transformedEndpoint(relay, "transform.user", {
      transform: { plugin: "shout", options: { prefix: ">>" } },
    });
    const { eventId, request } = await deliverOne(relay, receiver, "transform.user", { n: 1 });

    expect(JSON.parse(request.body)).toEqual({
      shouted: ">>TRANSFORM.USER",
      id: eventId,
      data: { n: 1 },
    });
    expect(request.headers["x-shouted-by"]).toBe("shout");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(new Webhook(endpoint.secret).verify(request.body, request.headers)).toMatchObject({
      shouted: ">>TRANSFORM.USER",
    });
  });

  test("a user transform gets its schema's defaults when an endpoint gives none", async () => {
    const { receiver } = await transformedEndpoint(relay, "transform.user.defaults", {
      transform: { plugin: "shout" },
    });
    const { request } = await deliverOne(relay, receiver, "transform.user.defaults", null);

    expect(JSON.parse(request.body)).toMatchObject({ shouted: "!TRANSFORM.USER.DEFAULTS" });
  });
});

describe("transforms that send nothing", () => {
  test("a skip marks the delivery skipped and sends nothing", async () => {
    const { receiver } = await transformedEndpoint(relay, "transform.skip", {
      transform: { plugin: "skip-all" },
    });
    const { body } = await publish(relay, { type: "transform.skip", payload: { n: 1 } });
    const delivery = await waitForPluginDelivery(relay, body.deliveries[0]!.id, "skipped");

    expect(delivery).toMatchObject({
      status: "skipped",
      attemptCount: 0,
      nextAttemptAt: null,
      finishedAt: isoTime(),
      attempts: [],
    });
    expect(receiver.requests).toEqual([]);
  });

  test("a throwing transform records plugin_error and follows the retry schedule", async () => {
    const { receiver } = await transformedEndpoint(relay, "transform.throws", {
      transform: { plugin: "throwing" },
    });
    const { body } = await publish(relay, { type: "transform.throws", payload: { n: 1 } });
    const delivery = await waitForPluginDelivery(relay, body.deliveries[0]!.id, "dead");

    expect(delivery).toMatchObject({ status: "dead", attemptCount: 4, lastStatusCode: null });
    expect(delivery.attempts.map((a) => [a.attempt, a.error, a.statusCode])).toEqual([
      [1, "plugin_error", null],
      [2, "plugin_error", null],
      [3, "plugin_error", null],
      [4, "plugin_error", null],
    ]);
    for (const attempt of delivery.attempts) {
      expect(attempt.responseBody).toContain(`throwing fixture refuses ${body.id}`);
    }
    const started = delivery.attempts.map((a) => Date.parse(a.startedAt));
    const gaps = started.slice(1).map((at, i) => at - started[i]!);
    [100, 200, 300].forEach((scheduledMs, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(scheduledMs - toleranceMs);
    });
    expect(receiver.requests).toEqual([]);
  }, 15_000);
});

describe("a transform that breaks its contract", () => {
  test("returning nothing records plugin_error like a throw", async () => {
    const { receiver } = await transformedEndpoint(relay, "transform.nothing", {
      transform: { plugin: "returns-nothing" },
    });
    const { body } = await publish(relay, { type: "transform.nothing", payload: { n: 1 } });

    const attempt = async () => {
      const delivery = await getPluginDelivery(relay, body.deliveries[0]!.id);
      return delivery.attempts[0];
    };
    const first = await waitFor("an attempt of the returns-nothing transform", attempt, 5_000);
    expect(first).toMatchObject({ attempt: 1, error: "plugin_error", statusCode: null });
    expect(receiver.requests).toEqual([]);
  }, 15_000);
});

describe("a transform that never returns", () => {
  test("fails its attempt after the time budget while the relay keeps serving", async () => {
    await using looping = await startRelay({ env: { ...env, HOOKRELAY_PLUGIN_TIMEOUT: "300ms" } });
    const stuck = await transformedEndpoint(looping, "transform.loop", {
      transform: { plugin: "endless-loop" },
    });
    const healthy = await transformedEndpoint(looping, "transform.after", {
      transform: { plugin: "shout" },
    });
    const { body } = await publish(looping, { type: "transform.loop", payload: { n: 1 } });
    const deliveryId = body.deliveries[0]!.id;

    const first = await waitFor("the looping attempt to fail", async () => {
      const delivery = await getPluginDelivery(looping, deliveryId);
      return delivery.attempts[0];
    });
    expect(first).toMatchObject({ attempt: 1, error: "plugin_error", statusCode: null });
    expect(first.responseBody).toContain("300 ms");
    expect(first.durationMs).toBeGreaterThanOrEqual(300 - toleranceMs);
    expect(first.durationMs).toBeLessThan(5_000);

    const health = await looping.api("/healthz");
    expect({ status: health.status, body: await health.json() }).toEqual({
      status: 200,
      body: { status: "ok" },
    });
    const after = await deliverOne(looping, healthy.receiver, "transform.after", { n: 2 });
    expect(JSON.parse(after.request.body)).toMatchObject({ shouted: "!TRANSFORM.AFTER" });

    const dead = await waitForPluginDelivery(looping, deliveryId, "dead");
    expect(dead.attempts.map((a) => a.error)).toEqual(Array(4).fill("plugin_error"));
    expect(stuck.receiver.requests).toEqual([]);
  }, 30_000);
});
