/**
 * Crash safety under load: events published concurrently while the relay is killed with
 * SIGKILL at random moments and restarted on the same data directory. Every acknowledged
 * event arrives at least once, and every copy of it carries one webhook-id and one body.
 * scripts/reliability.ts runs the same load at full size and reports the duplicates.
 */
import { expect, test } from "bun:test";
import { runCrashLoad } from "./fault-crash-load.ts";
import { pickSeed } from "./fault-kit.ts";

test("delivers every acknowledged event through random SIGKILLs and restarts", async () => {
  const seed = pickSeed();
  const figures = await runCrashLoad({ events: 300, kills: 5, seed, timeoutMs: 50_000 });
  // The seed in the message replays this run: HOOKRELAY_FAULT_SEED=<seed>.
  expect({ seed, violations: figures.violations }).toEqual({ seed, violations: [] });
  expect({ seed, kills: figures.kills, acknowledged: figures.acknowledged }).toEqual({
    seed,
    kills: 5,
    acknowledged: 300,
  });
  expect({ seed, lost: figures.lost }).toEqual({ seed, lost: 0 });
}, 60_000);
