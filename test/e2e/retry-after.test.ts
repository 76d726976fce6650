/**
 * Retry-After from a receiver can lengthen the wait before the next attempt but not shorten
 * it, and a value that is not a Retry-After is ignored: a load balancer answering
 * `503 Retry-After: 0` must not use up the schedule in a moment.
 */
import { describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { createEndpoint, publish, waitForRequests, waitForStatus } from "./api-fixtures.ts";

const schedule = { HOOKRELAY_RETRY_SCHEDULE: "1s,1s", HOOKRELAY_RETRY_JITTER: "0" };

describe("Retry-After shorter than the schedule", () => {
  test.each(["0", "-5", "1.5", "Thu, 01 Jan 1970 00:00:00 GMT"])(
    "Retry-After: %s waits the scheduled second",
    async (retryAfter) => {
      await using relay = await startRelay({ env: schedule });
      using receiver = startReceiver(
        () => new Response("deploying", { status: 503, headers: { "retry-after": retryAfter } }),
      );
      await createEndpoint(relay, { url: receiver.url });
      const { body } = await publish(relay, { type: "retry.after", payload: {} });
      const [first, second] = await waitForRequests(receiver, 2);

      expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
      const delivery = await waitForStatus(relay, body.deliveries[0]!.id, "dead", 15_000);
      expect(delivery.attempts).toHaveLength(3);
    },
    30_000,
  );

  test("a longer Retry-After still lengthens the wait", async () => {
    await using relay = await startRelay({ env: schedule });
    using receiver = startReceiver(
      () => new Response("busy", { status: 429, headers: { "retry-after": "3" } }),
    );
    await createEndpoint(relay, { url: receiver.url });
    await publish(relay, { type: "retry.longer", payload: {} });
    const [first, second] = await waitForRequests(receiver, 2);

    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(2_900);
  }, 30_000);
});
