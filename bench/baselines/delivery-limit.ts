/**
 * The delivery limit: the most a relay on this machine could send. A bare Bun `fetch` loop,
 * no database, POSTs the same 1 KiB body with a fresh Standard Webhooks HMAC signature per
 * request to the same sink at the same concurrency as the relay. Runs as its own process;
 * prints `{"sent","ok","seconds","perSecond","cpuSeconds"}`.
 */
import { buildDeliveredBody, signDelivery } from "../payload.ts";
import { ownCpuSeconds } from "../processes.ts";

export interface DeliveryLimitConfig {
  sinkUrl: string;
  count: number;
  concurrency: number;
  durationMs: number;
}

export interface DeliveryLimitResult {
  sent: number;
  ok: number;
  seconds: number;
  perSecond: number;
  cpuSeconds: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as DeliveryLimitConfig;
const body = buildDeliveredBody();
const startedAt = performance.now();
const deadline = startedAt + config.durationMs;
let next = 0;
let ok = 0;

async function sender(): Promise<void> {
  while (next < config.count && performance.now() < deadline) {
    const eventId = `evt_limit_${next++}`;
    const response = await fetch(`${config.sinkUrl}/limit`, {
      method: "POST",
      headers: signDelivery(eventId, body),
      body,
      redirect: "manual",
    });
    await response.arrayBuffer();
    if (response.ok) ok++;
  }
}

await Promise.all(Array.from({ length: config.concurrency }, sender));
const seconds = (performance.now() - startedAt) / 1000;
const result: DeliveryLimitResult = {
  sent: next,
  ok,
  seconds,
  perSecond: ok / seconds,
  cpuSeconds: ownCpuSeconds(),
};
console.log(JSON.stringify(result));
