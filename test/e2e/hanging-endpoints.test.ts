/**
 * Endpoints that keep failing go single file: after three failures in a row an endpoint has
 * one attempt in flight until a success. With the global limit at 4 and each endpoint's share
 * at 4, one hanging endpoint would otherwise hold every slot for a whole attempt timeout, wave
 * after wave, until its breaker opened, and a healthy endpoint would wait behind it.
 */
import { describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { createEndpoint, publish, waitForRequests, waitForStatus } from "./api-fixtures.ts";

/** A receiver that never answers; it counts the requests open at once. */
function startHangingReceiver() {
  const state = { open: 0, mostOpen: 0, mostOpenLater: 0, arrived: 0 };
  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      state.arrived++;
      state.open++;
      state.mostOpen = Math.max(state.mostOpen, state.open);
      // The first wave of four, and the few its first timeouts start before the third one
      // lands; by the ninth, one at a time.
      if (state.arrived > 8) {
        state.mostOpenLater = Math.max(state.mostOpenLater, state.open);
      }
      await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
      state.open--;
      return new Response("too late");
    },
  });
  return { url: `http://127.0.0.1:${server.port}/hang`, state, stop: () => server.stop(true) };
}

describe("a hanging endpoint", () => {
  test("goes single file and leaves the other slots to a healthy endpoint", async () => {
    await using relay = await startRelay({
      env: {
        HOOKRELAY_CONCURRENCY: "4",
        HOOKRELAY_ENDPOINT_CONCURRENCY: "4",
        HOOKRELAY_ATTEMPT_TIMEOUT: "1s",
        HOOKRELAY_RETRY_SCHEDULE: "100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms",
        HOOKRELAY_BREAKER_FAILURES: "1000",
      },
    });
    const hanging = startHangingReceiver();
    using healthy = startReceiver();
    try {
      await createEndpoint(relay, { url: hanging.url, eventTypes: ["slow.*"] });
      await createEndpoint(relay, { url: healthy.url, eventTypes: ["fast.*"] });
      for (let i = 0; i < 8; i++) await publish(relay, { type: "slow.job", payload: { i } });
      // The first wave takes all four slots; once three attempts have timed out, one is left.
      await waitFor("four attempts open at once", () => hanging.state.mostOpen >= 4);
      await waitFor("a few timeouts one at a time", () => hanging.state.arrived >= 11, 30_000);

      const started = Date.now();
      await publish(relay, { type: "fast.job", payload: {} });
      await waitForRequests(healthy, 1);
      // Waiting behind the hanging endpoint would take up to its attempt timeout, 1 s.
      expect(Date.now() - started).toBeLessThan(800);
      expect(hanging.state.mostOpenLater).toBeLessThanOrEqual(1);
    } finally {
      hanging.stop();
    }
  }, 40_000);

  test("gets its whole backlog sent once it answers again, without waiting for a poll", async () => {
    await using relay = await startRelay({
      env: {
        HOOKRELAY_ENDPOINT_CONCURRENCY: "4",
        HOOKRELAY_RETRY_SCHEDULE: Array(12).fill("200ms").join(","),
        HOOKRELAY_BREAKER_FAILURES: "1000",
      },
    });
    let failing = true;
    using receiver = startReceiver(() => new Response("", { status: failing ? 500 : 200 }));
    await createEndpoint(relay, { url: receiver.url });
    const published = [];
    for (let i = 0; i < 16; i++) {
      published.push(await publish(relay, { type: "recover.job", payload: { i } }));
    }
    await waitFor("a run of failures", () => receiver.requests.length >= 20, 20_000);
    failing = false;
    // The scheduler's safety poll is 30 s: a backlog left to it would be far later than this.
    for (const { body } of published) {
      await waitForStatus(relay, body.deliveries[0]!.id, "succeeded", 10_000);
    }
  }, 60_000);
});
