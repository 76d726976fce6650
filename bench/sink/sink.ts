/**
 * The receiving end of every benchmark: a small Bun.serve on loopback that counts webhook
 * arrivals and records when each event first arrived (by `webhook-id`, per path, so fan-out
 * to several endpoints on one sink is told apart). It can answer 503 to a fraction of
 * requests, chosen at random per request, to play a failing receiver. It does not verify
 * signatures: the relay's tests do that; here it would only measure the sink.
 *
 * Run: `bun bench/sink/sink.ts '{"failFraction":0.2,"port":0}'`; it announces
 * `{"url","pid"}` on stdout.
 * Control routes (GET): /_sink/stats, /_sink/arrivals, /_sink/clock.
 */
import { ownCpuSeconds } from "../processes.ts";
import { wallClockMs } from "../wall-clock.ts";

export interface SinkConfig {
  failFraction: number;
  /** 0 picks a free port; a fixed one lets a database seeded beforehand point at the sink. */
  port: number;
}

export interface SinkStats {
  requests: number;
  ok: number;
  failed: number;
  /** Distinct (path, webhook-id) pairs answered 2xx at least once. */
  delivered: number;
  firstRequestAtMs: number | null;
  lastOkAtMs: number | null;
  cpuSeconds: number;
}

const config: SinkConfig = { failFraction: 0, port: 0, ...JSON.parse(process.argv[2] ?? "{}") };
const firstOkAt = new Map<string, number>();
let requests = 0;
let failed = 0;
let ok = 0;
let firstRequestAtMs: number | null = null;
let lastOkAtMs: number | null = null;

function stats(): SinkStats {
  const delivered = firstOkAt.size;
  return {
    requests,
    ok,
    failed,
    delivered,
    firstRequestAtMs,
    lastOkAtMs,
    cpuSeconds: ownCpuSeconds(),
  };
}

async function receive(request: Request, path: string): Promise<Response> {
  const now = wallClockMs();
  await request.arrayBuffer();
  requests++;
  firstRequestAtMs ??= now;
  if (config.failFraction > 0 && Math.random() < config.failFraction) {
    failed++;
    return new Response("unavailable", { status: 503 });
  }
  ok++;
  lastOkAtMs = now;
  const key = `${path} ${request.headers.get("webhook-id") ?? ""}`;
  if (!firstOkAt.has(key)) firstOkAt.set(key, now);
  return new Response(null, { status: 204 });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: config.port,
  fetch(request) {
    const path = new URL(request.url).pathname;
    if (request.method === "POST") return receive(request, path);
    if (path === "/_sink/stats") return Response.json(stats());
    if (path === "/_sink/clock") return Response.json({ nowMs: wallClockMs() });
    if (path === "/_sink/arrivals") return Response.json(Object.fromEntries(firstOkAt));
    return new Response("not found", { status: 404 });
  },
});

console.log(JSON.stringify({ url: server.url.href.replace(/\/$/, ""), pid: process.pid }));
