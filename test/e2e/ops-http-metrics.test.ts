/**
 * hookrelay_http_responses_total counts every answer by route group and status class, so a
 * rise of 5xx on /in/… can be alerted on; counters with known labels start at 0.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { inboundFixtures } from "../fixtures/inbound/inbound-fixtures.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { unknownId } from "./api-fixtures.ts";
import { parseMetrics, slow } from "./ops-support.ts";

const responses = (route: string, status: string) =>
  `hookrelay_http_responses_total{route="${route}",status="${status}"}`;

async function scrape(relay: Relay): Promise<Map<string, number>> {
  return parseMetrics(await (await relay.api("/metrics")).text());
}

/** The counter moves after the answer is sent, so a scrape waits until it has. */
function waitForCount(relay: Relay, series: string, count: number) {
  return waitFor(`${series} to reach ${count}`, async () => {
    const metrics = await scrape(relay);
    return metrics.get(series) === count && metrics;
  });
}

describe("hookrelay_http_responses_total", () => {
  test(
    "starts every known series at 0, before anything happened",
    async () => {
      await using relay = await startRelay();
      const metrics = await scrape(relay);
      expect({
        ingest2xx: metrics.get(responses("ingest", "2xx")),
        ingest4xx: metrics.get(responses("ingest", "4xx")),
        ingest5xx: metrics.get(responses("ingest", "5xx")),
        api5xx: metrics.get(responses("api", "5xx")),
        refusedApi: metrics.get('hookrelay_requests_refused_bodies_in_flight_total{pool="api"}'),
        refusedIngest: metrics.get(
          'hookrelay_requests_refused_bodies_in_flight_total{pool="ingest"}',
        ),
        prunedEvents: metrics.get('hookrelay_retention_pruned_total{table="events"}'),
        prunedDeliveries: metrics.get('hookrelay_retention_pruned_total{table="deliveries"}'),
        prunedAttempts: metrics.get('hookrelay_retention_pruned_total{table="attempts"}'),
      }).toEqual({
        ingest2xx: 0,
        ingest4xx: 0,
        ingest5xx: 0,
        api5xx: 0,
        refusedApi: 0,
        refusedIngest: 0,
        prunedEvents: 0,
        prunedDeliveries: 0,
        prunedAttempts: 0,
      });
    },
    slow,
  );

  test(
    "counts answers by route group and status class, errors included",
    async () => {
      await using relay = await startRelay();
      const before = await scrape(relay);
      const api2xx = before.get(responses("api", "2xx")) ?? 0;
      expect((await relay.api("/v1/endpoints")).status).toBe(200);
      expect((await relay.api(`/v1/endpoints/${unknownId("ep")}`)).status).toBe(404);
      expect((await fetch(`${relay.url}/v1/endpoints`)).status).toBe(401);
      expect((await fetch(`${relay.url}/in/nobody`, { method: "POST" })).status).toBe(404);
      expect((await fetch(`${relay.url}/nowhere`)).status).toBe(404);

      const after = await waitForCount(relay, responses("other", "4xx"), 1);
      expect({
        api2xx: (after.get(responses("api", "2xx")) ?? 0) - api2xx,
        api4xx: after.get(responses("api", "4xx")),
        ingest4xx: after.get(responses("ingest", "4xx")),
        other4xx: after.get(responses("other", "4xx")),
        api5xx: after.get(responses("api", "5xx")),
      }).toEqual({ api2xx: 1, api4xx: 2, ingest4xx: 1, other4xx: 1, api5xx: 0 });
    },
    slow,
  );

  test(
    "counts a failed ingest as 5xx and logs its path without the query string",
    async () => {
      const pluginsDir = join(inboundFixtures, "failing-describe");
      await using relay = await startRelay({ env: { HOOKRELAY_PLUGINS_DIR: pluginsDir } });
      await relay.json("/v1/sources", {
        method: "POST",
        json: {
          name: "broken",
          verifier: { scheme: "broken-describe", secrets: ["s3cr3t-value"] },
        },
      });
      const response = await fetch(`${relay.url}/in/broken?token=s3cr3t-value`, {
        method: "POST",
        body: "{}",
      });
      expect(response.status).toBe(500);

      await waitForCount(relay, responses("ingest", "5xx"), 1);
      const failed = relay.logs.find((line) => line.msg === "request failed");
      expect(failed).toMatchObject({ code: "ERR_PLUGIN", path: "/in/broken" });
      expect(JSON.stringify(failed)).not.toContain("s3cr3t-value");
    },
    slow,
  );
});
