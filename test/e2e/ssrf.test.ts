import { expect, test } from "bun:test";
import { startRelay } from "../support/relay.ts";
import { startReceiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

test("never connects to a loopback canary that is not allow-listed", async () => {
  using canary = startReceiver();
  const port = new URL(canary.url).port;
  // Only 127.0.0.2 is allowed, so the canary on 127.0.0.1 must stay untouched.
  await using relay = await startRelay({
    env: { HOOKRELAY_ALLOW_PRIVATE_NETWORKS: "127.0.0.2/32", HOOKRELAY_RETRY_SCHEDULE: "" },
  });

  const literal = await relay.api("/v1/endpoints", {
    method: "POST",
    json: { url: `http://127.0.0.1:${port}/hooks` },
  });
  expect(literal.status).toBe(422);
  const problem = (await literal.json()) as { field: string; detail: string };
  expect(problem.field).toBe("/url");
  // The refusal names the setting that would allow it.
  expect(problem.detail).toContain("add 127.0.0.0/8 to HOOKRELAY_ALLOW_PRIVATE_NETWORKS");

  const named = await relay.json("/v1/endpoints", {
    method: "POST",
    json: { url: `http://localhost:${port}/hooks` },
  });
  const event = await relay.json("/v1/events", {
    method: "POST",
    json: { type: "probe.sent", payload: {} },
  });
  const deliveryId = event.deliveries[0].id;
  const delivery = await waitFor("the blocked attempt", async () => {
    const d = await relay.json(`/v1/deliveries/${deliveryId}`);
    return d.attempts.length > 0 ? d : undefined;
  });
  expect(delivery.attempts[0]).toMatchObject({ error: "blocked_destination", statusCode: null });
  expect(delivery.attempts[0].responseBody).toMatch(
    /^localhost resolves to (127\.0\.0\.1|::1), which is a loopback address; to allow it/,
  );
  expect(named.id).toBe(delivery.endpointId);
  expect(canary.requests).toHaveLength(0);
}, 30_000);
