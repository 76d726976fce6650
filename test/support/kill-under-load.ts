/**
 * Crash tests' load: concurrent senders issue requests numbered 0..total-1 until `killAfter`
 * of them were acknowledged, then the relay gets SIGKILL mid-burst. `send` returns whether
 * its request was acknowledged; a request cut off by the kill counts as not (only a 2xx is a
 * promise).
 */
import type { Relay } from "./relay.ts";

export interface KillUnderLoad {
  relay: Relay;
  total: number;
  killAfter: number;
  concurrency: number;
  send(seq: number): Promise<boolean>;
}

/** @returns how many requests were started before the kill stopped the senders. */
export async function killUnderLoad(load: KillUnderLoad): Promise<number> {
  let nextSeq = 0;
  let acked = 0;
  let killed = false;
  const sendUntilKilled = async () => {
    while (!killed && nextSeq < load.total) {
      try {
        if (!(await load.send(nextSeq++))) continue;
      } catch {
        continue;
      }
      acked++;
      if (acked >= load.killAfter && !killed) {
        killed = true;
        load.relay.process.kill("SIGKILL");
      }
    }
  };
  await Promise.all(Array.from({ length: load.concurrency }, sendUntilKilled));
  await load.relay.process.exited;
  return nextSeq;
}
