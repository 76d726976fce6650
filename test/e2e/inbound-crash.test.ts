/**
 * Crash safety of the ingest URL: a 202 is sent only after the inbound event is committed, so
 * a relay killed with SIGKILL right after answering still forwards the event after a restart
 * on the same data directory, byte-exact, with the provider's signature, and still knows the
 * delivery id for dedupe.
 */
import { describe, expect, test } from "bun:test";
import { sign as signGithub, verify as verifyGithub } from "@octokit/webhooks-methods";
import { type ReceivedRequest, startReceiver } from "../support/receiver.ts";
import { killUnderLoad } from "../support/kill-under-load.ts";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import {
  createSource,
  githubHeaders,
  type InboundEvent,
  ingest,
  ingestAccepted,
  sha256Hex,
  useDataDir,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { gate } from "./api-fixtures.ts";

// A held request must stay in flight for the whole first run, not time out and retry.
const env = { HOOKRELAY_ATTEMPT_TIMEOUT: "30s" };
const secret = "crash-github-secret";

/** Holds every request open until `answer()`; from then on answers 200 into `answered`. */
function startGatedReceiver() {
  const receiver = startReceiver();
  const answered: ReceivedRequest[] = [];
  const released = gate();
  let holding = true;
  receiver.respondWith(async (request) => {
    if (holding) {
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
  return { ...receiver, answered, answer, stop, [Symbol.dispose]: stop };
}

async function githubDelivery(seq: number) {
  const body = JSON.stringify({
    action: "opened",
    issue: { number: seq, title: `Zoë #${seq} 🎉` },
  });
  const deliveryId = crypto.randomUUID();
  const headers = githubHeaders("issues", deliveryId, await signGithub(secret, body));
  return { body, headers, deliveryId };
}

describe("an inbound relay killed with SIGKILL", () => {
  test("forwards an event acknowledged right before the kill after a restart", async () => {
    using dir = useDataDir();
    using gated = startGatedReceiver();
    await using first = await startRelay({ dataDir: dir.path, env });
    const source = await createSource(first, {
      name: "github",
      verifier: { scheme: "github", secrets: [secret] },
      destinations: [{ url: gated.url }],
    });
    const request = await githubDelivery(1);
    const { eventId } = await ingestAccepted(first, source.name, request);
    await first.kill("SIGKILL");
    expect(first.process.signalCode).toBe("SIGKILL");

    gated.answer();
    await using second = await startRelay({ dataDir: dir.path, env });
    const arrived = await waitFor("the event to be forwarded after the restart", () =>
      gated.answered.find((r) => r.headers["webhook-id"] === eventId),
    );
    expect(sha256Hex(arrived.bodyBytes)).toBe(sha256Hex(request.body));
    const signature = request.headers["x-hub-signature-256"] as string;
    expect(arrived.headers["x-hub-signature-256"]).toBe(signature);
    expect(await verifyGithub(secret, arrived.body, signature)).toBe(true);
    const event: InboundEvent = await second.json(`/v1/events/${eventId}`);
    expect(event).toMatchObject({ sourceId: source.id, type: "issues.opened" });

    const repeat = await ingestAccepted(second, source.name, request);
    expect(repeat).toMatchObject({ eventId, duplicate: true });
  }, 30_000);

  test("forwards every acknowledged event when killed in a burst of deliveries", async () => {
    const total = 200;
    const killAfterAcks = 80;
    const concurrency = 16;
    using dir = useDataDir();
    using receiver = startReceiver();
    await using first = await startRelay({ dataDir: dir.path, env });
    const source = await createSource(first, {
      name: "burst",
      verifier: { scheme: "github", secrets: [secret] },
      destinations: [{ url: receiver.url }],
    });

    const acked = new Map<string, { body: string; deliveryId: string }>();
    await killUnderLoad({
      relay: first,
      total,
      killAfter: killAfterAcks,
      concurrency,
      async send(seq) {
        const request = await githubDelivery(seq);
        const response = await ingest(first, source.name, request);
        if (response.status !== 202) return false;
        const { id } = (await response.json()) as { id: string };
        acked.set(id, { body: request.body, deliveryId: request.deliveryId });
        return true;
      },
    });
    expect(first.process.signalCode).toBe("SIGKILL");
    expect(acked.size).toBeGreaterThanOrEqual(killAfterAcks);

    await using second = await startRelay({ dataDir: dir.path, env });
    const arrivedIds = () => new Set(receiver.requests.map((r) => r.headers["webhook-id"]));
    await waitFor(
      "every acknowledged event to be forwarded",
      () => [...acked.keys()].every((id) => arrivedIds().has(id)),
      20_000,
    );
    for (const request of receiver.requests) {
      const sent = acked.get(request.headers["webhook-id"] as string);
      if (sent) expect(sha256Hex(request.bodyBytes)).toBe(sha256Hex(sent.body));
    }
    const events: { data: InboundEvent[] } = await second.json("/v1/events?limit=250");
    const stored = new Set(events.data.map((e) => e.id));
    for (const id of acked.keys()) expect(stored.has(id)).toBe(true);
  }, 60_000);
});
