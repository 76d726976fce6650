/**
 * Graceful shutdown: on SIGTERM the relay stops accepting, lets in-flight deliveries finish
 * within HOOKRELAY_SHUTDOWN_GRACE, releases the ones that do not, and exits 0. A released
 * delivery is sent again after a restart; a finished one is not.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ReceivedRequest, startHeldReceiver, startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import {
  createEndpoint,
  gate,
  getDelivery,
  type PublishAnswer,
  publish,
  verifySignature,
  waitForStatus,
} from "./api-fixtures.ts";

function useTempDir() {
  const path = mkdtempSync(join(tmpdir(), "hookrelay-shutdown-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

async function publishNamed(relay: Relay, name: string): Promise<PublishAnswer> {
  return (await publish(relay, { type: "shutdown.test", payload: { name } })).body;
}

function copiesOf(requests: ReceivedRequest[], eventId: string): ReceivedRequest[] {
  return requests.filter((r) => r.headers["webhook-id"] === eventId);
}

/** Publishes over a fresh connection, so a listener that is closed shows as refused. */
async function isRefused(relay: Relay): Promise<boolean> {
  try {
    const response = await relay.api("/v1/events", {
      method: "POST",
      json: { type: "shutdown.test", payload: { name: "late" } },
      keepalive: false,
    });
    return response.status === 503;
  } catch {
    return true;
  }
}

describe("a relay sent SIGTERM", () => {
  test("finishes an in-flight delivery and exits 0", async () => {
    const env = { HOOKRELAY_SHUTDOWN_GRACE: "5s", HOOKRELAY_ATTEMPT_TIMEOUT: "30s" };
    using dir = useTempDir();
    // Answers once the relay logs that it is shutting down, so the attempt is still in
    // flight when the drain begins (the log line is written just before the drain starts).
    using receiver = startReceiver(async () => {
      await waitFor("the relay to start shutting down", () =>
        first.logs.some((line) => line.msg === "shutting down"),
      );
      return new Response("ok");
    });
    await using first = await startRelay({ dataDir: dir.path, env });
    const endpoint = await createEndpoint(first, { url: receiver.url });
    const event = await publishNamed(first, "in-flight");
    await waitFor("the delivery to be in flight", () => receiver.requests.length > 0);

    expect(await first.kill("SIGTERM")).toBe(0);
    const [copy, ...others] = copiesOf(receiver.requests, event.id);
    expect(others).toHaveLength(0);
    expect(() => verifySignature(endpoint.secret, copy!)).not.toThrow();

    receiver.respondWith(() => new Response("ok"));
    await using second = await startRelay({ dataDir: dir.path, env });
    const delivery = await getDelivery(second, event.deliveries[0]!.id);
    expect(delivery.status).toBe("succeeded");
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ statusCode: 200, error: null });

    // A later event gets through, and the finished one has not been sent a second time.
    const later = await publishNamed(second, "after-restart");
    await waitFor("a later event to be delivered", () => {
      return copiesOf(receiver.requests, later.id).length > 0;
    });
    expect(copiesOf(receiver.requests, event.id)).toHaveLength(1);
  });

  test("refuses new connections while an in-flight delivery drains", async () => {
    const env = { HOOKRELAY_SHUTDOWN_GRACE: "5s", HOOKRELAY_ATTEMPT_TIMEOUT: "30s" };
    using receiver = startHeldReceiver();
    await using relay = await startRelay({ env });
    await createEndpoint(relay, { url: receiver.url });
    await publishNamed(relay, "in-flight");
    await waitFor("the delivery to be in flight", () => receiver.requests.length > 0);

    const exited = relay.kill("SIGTERM");
    try {
      await waitFor("the relay to refuse a new publish", () => isRefused(relay), 3_000);
    } finally {
      receiver.release();
    }
    expect(await exited).toBe(0);
  });

  test("releases a delivery nobody answers when the grace ends", async () => {
    const graceMs = 1_000;
    const env = { HOOKRELAY_SHUTDOWN_GRACE: "1s", HOOKRELAY_ATTEMPT_TIMEOUT: "30s" };
    using dir = useTempDir();
    const answering = gate();
    let answer = false;
    using receiver = startReceiver(async () => {
      if (answer) return new Response("ok");
      await answering.promise;
      return new Response("too late", { status: 503 });
    });
    await using first = await startRelay({ dataDir: dir.path, env });
    const endpoint = await createEndpoint(first, { url: receiver.url });
    const event = await publishNamed(first, "unanswered");
    await waitFor("the delivery to be in flight", () => receiver.requests.length > 0);

    const signalledAt = performance.now();
    const code = await first.kill("SIGTERM");
    const shutdownMs = performance.now() - signalledAt;
    expect(code).toBe(0);
    expect(shutdownMs).toBeGreaterThanOrEqual(graceMs * 0.9);
    expect(shutdownMs).toBeLessThan(graceMs + 3_000);

    answer = true;
    answering.open();
    await using second = await startRelay({ dataDir: dir.path, env });
    // Released, not abandoned: the next start finds no lease to reclaim as a crash's.
    expect(second.logs.filter((line) => "reclaimed" in line)).toEqual([]);
    await waitFor("the released delivery to be sent again", () => {
      return copiesOf(receiver.requests, event.id).length >= 2;
    });
    const [held, resent] = copiesOf(receiver.requests, event.id);
    expect(resent!.body).toBe(held!.body);
    expect(() => verifySignature(endpoint.secret, resent!)).not.toThrow();
    await waitForStatus(second, event.deliveries[0]!.id, "succeeded");
  });
});
