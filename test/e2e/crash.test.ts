/**
 * Crash safety: a relay killed with SIGKILL loses nothing it acknowledged. After a restart on
 * the same data directory, every event that got a 202 reaches its endpoint, under its original
 * webhook-id and with the same body bytes as any copy sent before the crash.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ReceivedRequest, type Receiver, startReceiver } from "../support/receiver.ts";
import { killUnderLoad } from "../support/kill-under-load.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import {
  createEndpoint,
  gate,
  type Page,
  type PublishAnswer,
  publish,
  verifySignature,
  waitForStatus,
} from "./api-fixtures.ts";

// A held request must stay in flight for the whole first run, not time out and retry.
const env = { HOOKRELAY_ATTEMPT_TIMEOUT: "30s" };

function useTempDir() {
  const path = mkdtempSync(join(tmpdir(), "hookrelay-crash-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A receiver that holds every request open (the delivery stays in flight) until `answer()` is
 * called; from then on it answers 200 and lists what it answered in `answered`.
 */
function startGatedReceiver() {
  const receiver = startReceiver();
  const held: ReceivedRequest[] = [];
  const answered: ReceivedRequest[] = [];
  const released = gate();
  let holding = true;
  receiver.respondWith(async (request) => {
    if (holding) {
      held.push(request);
      await released.promise;
      return new Response("released", { status: 503 });
    }
    answered.push(request);
    return new Response("ok");
  });
  const answer = () => {
    holding = false;
    released.open();
  };
  const stop = () => {
    answer();
    receiver.stop();
  };
  return { ...receiver, held, answered, answer, stop, [Symbol.dispose]: stop };
}

async function publishSeq(relay: Relay, seq: number): Promise<PublishAnswer> {
  return (await publish(relay, { type: "crash.test", payload: { seq } })).body;
}

function seqOf(request: ReceivedRequest): number {
  return (JSON.parse(request.body) as { data: { seq: number } }).data.seq;
}

function expectVerified(secret: string, request: ReceivedRequest) {
  expect(() => verifySignature(secret, request)).not.toThrow();
}

/** Every copy of one event has its webhook-id, the same body bytes and a valid signature. */
function expectConsistentCopies(
  secret: string,
  requests: ReceivedRequest[],
  idBySeq: Map<number, string>,
) {
  const bodyBySeq = new Map<number, string>();
  for (const request of requests) {
    const seq = seqOf(request);
    expect(request.headers["webhook-id"]).toBe(idBySeq.get(seq) as string);
    const firstBody = bodyBySeq.get(seq) ?? request.body;
    bodyBySeq.set(seq, firstBody);
    expect(request.body).toBe(firstBody);
    expectVerified(secret, request);
  }
}

/** The ids of the events whose delivery to `endpointId` the relay has recorded as succeeded. */
async function succeededEventIds(relay: Relay, endpointId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const after = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page: Page<{ eventId: string }> = await relay.json(
      `/v1/deliveries?endpointId=${endpointId}&status=succeeded&limit=250${after}`,
    );
    for (const delivery of page.data) ids.add(delivery.eventId);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

function answeredIds(receiver: { answered: ReceivedRequest[] }): Set<string> {
  return new Set(receiver.answered.map((r) => r.headers["webhook-id"] as string));
}

function receivedIds(receiver: Receiver): Set<string> {
  return new Set(receiver.requests.map((r) => r.headers["webhook-id"] as string));
}

function isSubset(some: Set<string>, all: Set<string>): boolean {
  return [...some].every((id) => all.has(id));
}

describe("a relay killed with SIGKILL", () => {
  test("delivers an event acknowledged right before the kill after a restart", async () => {
    using dir = useTempDir();
    using gated = startGatedReceiver();
    await using first = await startRelay({ dataDir: dir.path, env });
    const endpoint = await createEndpoint(first, { url: gated.url });
    const event = await publishSeq(first, 1);
    await first.kill("SIGKILL");
    expect(first.process.signalCode).toBe("SIGKILL");
    expect(gated.answered).toHaveLength(0);

    gated.answer();
    await using second = await startRelay({ dataDir: dir.path, env });
    const delivered = await waitFor("the event to be delivered after the restart", () =>
      gated.answered.find((r) => r.headers["webhook-id"] === event.id),
    );
    expectVerified(endpoint.secret, delivered);
    expect(JSON.parse(delivered.body)).toMatchObject({ type: "crash.test", data: { seq: 1 } });

    const recorded = await waitForStatus(second, event.deliveries[0]!.id, "succeeded");
    expect(recorded.attempts.at(-1)).toMatchObject({ statusCode: 200, error: null });
  });

  test("redelivers in-flight deliveries under the same webhook-id and body", async () => {
    const total = 50;
    const inFlight = 8;
    const concurrencyEnv = { ...env, HOOKRELAY_ENDPOINT_CONCURRENCY: String(inFlight) };
    using dir = useTempDir();
    using gated = startGatedReceiver();
    await using first = await startRelay({ dataDir: dir.path, env: concurrencyEnv });
    const endpoint = await createEndpoint(first, { url: gated.url });
    const idBySeq = new Map<number, string>();
    for (let seq = 0; seq < total; seq++) idBySeq.set(seq, (await publishSeq(first, seq)).id);
    await waitFor("every delivery slot to be in flight", () => gated.held.length >= inFlight);
    await first.kill("SIGKILL");

    gated.answer();
    await using second = await startRelay({ dataDir: dir.path, env });
    await waitFor(
      "every event to be delivered after the restart",
      () => answeredIds(gated).size === total,
      20_000,
    );
    expect(answeredIds(gated)).toEqual(new Set(idBySeq.values()));
    expectConsistentCopies(endpoint.secret, gated.requests, idBySeq);
    await waitFor("the relay to record every success", async () => {
      return (await succeededEventIds(second, endpoint.id)).size === total;
    });
  }, 40_000);

  test("delivers every acknowledged event when killed in a burst of publishes", async () => {
    const total = 300;
    const killAfterAcks = 150;
    const concurrency = 16;
    using dir = useTempDir();
    using receiver = startReceiver();
    await using first = await startRelay({ dataDir: dir.path, env });
    const endpoint = await createEndpoint(first, { url: receiver.url });

    const idBySeq = new Map<number, string>();
    const nextSeq = await killUnderLoad({
      relay: first,
      total,
      killAfter: killAfterAcks,
      concurrency,
      async send(seq) {
        const response = await first.api("/v1/events", {
          method: "POST",
          json: { type: "crash.test", payload: { seq } },
        });
        if (response.status !== 202) return false;
        idBySeq.set(seq, ((await response.json()) as PublishAnswer).id);
        return true;
      },
    });
    expect(first.process.signalCode).toBe("SIGKILL");
    expect(idBySeq.size).toBeGreaterThanOrEqual(killAfterAcks);
    expect(nextSeq).toBeLessThan(total);

    await using second = await startRelay({ dataDir: dir.path, env });
    const acked = new Set(idBySeq.values());
    await waitFor(
      "every acknowledged event to be delivered",
      () => isSubset(acked, receivedIds(receiver)),
      30_000,
    );
    const ackedRequests = receiver.requests.filter((r) => idBySeq.has(seqOf(r)));
    expectConsistentCopies(endpoint.secret, ackedRequests, idBySeq);
    await waitFor("the relay to record a success for every acknowledged event", async () => {
      return isSubset(acked, await succeededEventIds(second, endpoint.id));
    });
  }, 60_000);
});
