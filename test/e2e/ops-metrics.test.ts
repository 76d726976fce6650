/**
 * GET /metrics: Prometheus text that moves as work happens (events accepted, deliveries by
 * outcome, attempt latency, outbox depth, failure streaks), behind a read token unless the
 * operator makes it public.
 */
import { describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { createEndpoint, expectProblem, publish, waitForStatus } from "./api-fixtures.ts";
import { parseMetrics, slow } from "./ops-support.ts";

async function scrape(relay: Relay): Promise<Map<string, number>> {
  const response = await relay.api("/metrics");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type") ?? "").toStartWith("text/plain");
  return parseMetrics(await response.text());
}

describe("GET /metrics", () => {
  test(
    "moves as deliveries succeed, retry and die",
    async () => {
      using healthy = startReceiver(() => new Response("ok"));
      using failing = startReceiver(() => new Response("down", { status: 503 }));
      await using relay = await startRelay({ env: { HOOKRELAY_RETRY_SCHEDULE: "50ms" } });
      await createEndpoint(relay, { url: healthy.url, eventTypes: ["good.*"] });
      const bad = await createEndpoint(relay, { url: failing.url, eventTypes: ["bad.*"] });
      const before = await scrape(relay);
      expect(before.get('hookrelay_outbox_deliveries{status="pending"}')).toBe(0);
      expect(before.get("hookrelay_process_resident_memory_bytes")).toBeGreaterThan(0);

      const good = await publish(relay, { type: "good.one", payload: {} });
      const doomed = await publish(relay, { type: "bad.one", payload: {} });
      await waitForStatus(relay, good.body.deliveries[0]!.id, "succeeded");
      await waitForStatus(relay, doomed.body.deliveries[0]!.id, "dead");

      const after = await scrape(relay);
      expect({
        accepted: after.get('hookrelay_events_accepted_total{origin="api"}'),
        succeeded: after.get('hookrelay_deliveries_total{outcome="succeeded"}'),
        dead: after.get('hookrelay_deliveries_total{outcome="dead"}'),
        retried: after.get('hookrelay_attempts_total{outcome="retry"}'),
        fast: after.get('hookrelay_attempt_duration_seconds_count{result="success"}'),
        slowOrFailed: after.get('hookrelay_attempt_duration_seconds_count{result="failure"}'),
        streak: after.get(`hookrelay_endpoint_failure_streak{endpoint_id="${bad.id}"}`),
        deadInOutbox: after.get('hookrelay_outbox_deliveries{status="dead"}'),
        pending: after.get('hookrelay_outbox_deliveries{status="pending"}'),
      }).toEqual({
        accepted: 2,
        succeeded: 1,
        dead: 1,
        retried: 1,
        fast: 1,
        slowOrFailed: 2,
        streak: 2,
        deadInOutbox: 1,
        pending: 0,
      });

      // A deleted endpoint's failure streak goes with it, or every endpoint ever made stays.
      await relay.api(`/v1/endpoints/${bad.id}`, { method: "DELETE" });
      const streak = `hookrelay_endpoint_failure_streak{endpoint_id="${bad.id}"}`;
      expect((await scrape(relay)).has(streak)).toBe(false);
    },
    slow,
  );

  test(
    "counts a pending backlog and its oldest age",
    async () => {
      using silent = startReceiver(() => new Response("down", { status: 503 }));
      await using relay = await startRelay({ env: { HOOKRELAY_RETRY_SCHEDULE: "1h" } });
      await createEndpoint(relay, { url: silent.url });
      await publish(relay, { type: "backlog.item", payload: {} });
      await waitFor("the first attempt to fail", () => silent.requests.length > 0);
      const metrics = await waitFor("the delivery to wait for its retry", async () => {
        const scraped = await scrape(relay);
        return scraped.get('hookrelay_attempts_total{outcome="retry"}') === 1 && scraped;
      });
      expect(metrics.get('hookrelay_outbox_deliveries{status="pending"}')).toBe(1);
      expect(metrics.get("hookrelay_outbox_oldest_pending_age_seconds")).toBeGreaterThan(0);
      expect(metrics.get("hookrelay_outbox_oldest_due_wait_seconds")).toBe(0);
    },
    slow,
  );

  test(
    "counts inbound requests refused by their verifier, by source and reason",
    async () => {
      await using relay = await startRelay();
      await relay.json("/v1/sources", {
        method: "POST",
        json: { name: "github", verifier: { scheme: "github", secrets: ["gh-secret"] } },
      });
      const post = (signature?: string) =>
        fetch(`${relay.url}/in/github`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "ping",
            ...(signature ? { "x-hub-signature-256": signature } : {}),
          },
          body: '{"zen":"hi"}',
        });
      expect((await post(`sha256=${"0".repeat(64)}`)).status).toBe(401);
      expect((await post()).status).toBe(401);
      const metrics = await scrape(relay);
      const failures = "hookrelay_inbound_verification_failures_total";
      expect(metrics.get(`${failures}{source="github",reason="bad_signature"}`)).toBe(1);
      expect(metrics.get(`${failures}{source="github",reason="missing_signature"}`)).toBe(1);
    },
    slow,
  );

  test(
    "needs a read or admin token unless made public",
    async () => {
      await using relay = await startRelay();
      await expectProblem(await fetch(`${relay.url}/metrics`), {
        status: 401,
        slug: "unauthorized",
      });
      const { token } = await relay.json<{ token: string }>("/v1/tokens", {
        method: "POST",
        json: { name: "publisher", scopes: ["publish"] },
      });
      const asPublisher = await fetch(`${relay.url}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await expectProblem(asPublisher, { status: 403, slug: "forbidden" });

      await using open = await startRelay({ env: { HOOKRELAY_METRICS_PUBLIC: "true" } });
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
    },
    slow,
  );
});
