/**
 * GET /metrics in the Prometheus text format. It needs a read or admin token unless
 * `metrics.public` is set (checked with the rest of auth in app.ts): the numbers are not
 * secret, but endpoint ids and traffic volumes are not for everyone either.
 */
import { Elysia } from "elysia";
import { relayMetrics } from "../observability/metrics.ts";
import type { ApiDeps } from "./deps.ts";

export function metricsRoute(deps: ApiDeps) {
  return new Elysia().get(
    "/metrics",
    async () =>
      new Response(await relayMetrics.render(deps.orm), {
        headers: { "content-type": relayMetrics.registry.contentType },
      }),
    { detail: { summary: "Prometheus metrics" } },
  );
}
