/** The harness side of a sink: start one in its own process, read its counters, stop it. */
import type { Subprocess } from "bun";
import { readAnnouncement, spawnChild, stopChild, waitFor } from "../processes.ts";
import type { SinkConfig, SinkStats } from "./sink.ts";

export interface Sink {
  url: string;
  pid: number;
  stats(): Promise<SinkStats>;
  /** First 2xx arrival time (sink clock, ms) per `"<path> <webhook-id>"`. */
  arrivals(): Promise<Map<string, number>>;
  /** Waits until `expected` distinct deliveries got a 2xx, or `timeoutMs` passed. */
  waitForDelivered(expected: number, timeoutMs: number): Promise<SinkStats>;
  stop(): Promise<void>;
}

export async function startSink(config: Partial<SinkConfig> = {}): Promise<Sink> {
  const script = new URL("./sink.ts", import.meta.url).pathname;
  const child: Subprocess = spawnChild(
    [process.execPath, "--no-install", script, JSON.stringify(config)],
    { output: "pipe" },
  );
  const { url, pid } = await readAnnouncement<{ url: string; pid: number }>(child, 10_000);
  const get = (path: string) => fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  const stats = async () => (await (await get("/_sink/stats")).json()) as SinkStats;
  return {
    url,
    pid,
    stats,
    async arrivals() {
      const raw = (await (await get("/_sink/arrivals")).json()) as Record<string, number>;
      return new Map(Object.entries(raw));
    },
    async waitForDelivered(expected, timeoutMs) {
      try {
        return await waitFor(
          `${expected} deliveries at the sink`,
          async () => {
            const now = await stats();
            return now.delivered >= expected ? now : undefined;
          },
          timeoutMs,
          100,
        );
      } catch {
        // Bounded wait: report what arrived; the caller records the shortfall.
        return stats();
      }
    },
    async stop() {
      await stopChild(child);
    },
  };
}
