/**
 * Disk full: the data directory sits on a small tmpfs that a filler file fills while events
 * are being published. Publishes then answer 503 problem+json with Retry-After (never 500),
 * nothing that got a 202 is lost, and once the filler is deleted the relay accepts events
 * again by itself. Mounting needs root; without it the tests are skipped with a message.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statfsSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";

const mountPoint = mkdtempSync(join(tmpdir(), "hookrelay-disk-full-"));
const mounted = mount(mountPoint, "8m");
if (!mounted) {
  console.warn(`skipping the disk-full tests: cannot mount a tmpfs on ${mountPoint} (needs root)`);
}

function mount(dir: string, size: string): boolean {
  const result = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  return result.status === 0;
}

afterAll(() => {
  if (mounted) spawnSync("umount", [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return Number(stats.bavail) * Number(stats.bsize);
}

/**
 * Writes a filler file until free space is under `leaveBytes`, or, with 0, until the
 * filesystem refuses another byte (ENOSPC). Bounded by the filesystem's size.
 */
function fillDisk(dir: string, leaveBytes: number): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "w");
  try {
    for (const chunkBytes of [64 * 1024, 4 * 1024, 512]) {
      const chunk = Buffer.alloc(chunkBytes, 0x66);
      for (let i = 0; i < 100_000 && freeBytes(dir) - chunkBytes >= leaveBytes; i++) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

interface PublishLoad {
  acked: Set<string>;
  statuses: number[];
  /** Non-202 answers that were not a 503 problem+json with Retry-After. */
  strays: string[];
  stop(): Promise<void>;
}

/** Publishers that keep going, a few at a time, until stopped (bounded to 20,000 sends). */
function startPublishing(relay: Relay, workers = 4): PublishLoad {
  const load = { acked: new Set<string>(), statuses: [] as number[], strays: [] as string[] };
  let stopping = false;
  let sent = 0;
  const worker = async () => {
    while (!stopping && sent++ < 20_000) {
      try {
        const response = await relay.api("/v1/events", {
          method: "POST",
          json: { type: "disk.filled", payload: { seq: sent, pad: "p".repeat(512) } },
        });
        const text = await response.text();
        load.statuses.push(response.status);
        if (response.status === 202) load.acked.add((JSON.parse(text) as { id: string }).id);
        else if (!isUnavailableProblem(response, text)) {
          load.strays.push(`${response.status} ${text.slice(0, 200)}`);
        }
      } catch (error) {
        load.strays.push(`no answer: ${String(error).slice(0, 200)}`);
      }
    }
  };
  const running = Promise.all(Array.from({ length: workers }, worker));
  return {
    ...load,
    async stop() {
      stopping = true;
      await running;
    },
  };
}

function isUnavailableProblem(response: Response, text: string): boolean {
  if (response.status !== 503) return false;
  if (!(response.headers.get("content-type") ?? "").startsWith("application/problem+json")) {
    return false;
  }
  const retryAfter = Number(response.headers.get("retry-after"));
  try {
    const problem = JSON.parse(text) as { type?: string };
    return retryAfter > 0 && problem.type === "urn:hookrelay:problem:unavailable";
  } catch {
    return false;
  }
}

function count(statuses: number[], status: number, from = 0): number {
  return statuses.slice(from).filter((s) => s === status).length;
}

interface DiskSetup {
  /** Settings for the relay, beside the data directory. */
  env: Record<string, string>;
  dataDir: string;
  /** Free bytes the filler leaves on the tmpfs: 0 fills it to ENOSPC. */
  leaveBytes: number;
}

async function fillThenFree(setup: DiskSetup) {
  using receiver = startReceiver();
  await using relay = await startRelay({
    dataDir: setup.dataDir,
    env: { HOOKRELAY_LOG_LEVEL: "info", ...setup.env },
  });
  await relay.json("/v1/endpoints", { method: "POST", json: { url: receiver.url } });
  const load = startPublishing(relay);
  try {
    await waitFor("events accepted before the disk fills", () => load.acked.size >= 40, 15_000);
    const filler = fillDisk(mountPoint, setup.leaveBytes);
    await waitFor(
      "publishes refused with 503 (or answers that are not)",
      () => count(load.statuses, 503) >= 5 || load.strays.length >= 5,
      20_000,
    );
    expect(load.strays).toEqual([]);
    rmSync(filler);
    const refusedUntil = load.statuses.length;
    await waitFor(
      "publishes accepted again after space returned",
      () => count(load.statuses, 202, refusedUntil) >= 20 || load.strays.length >= 5,
      20_000,
    );
    expect(load.strays).toEqual([]);
  } finally {
    await load.stop();
  }
  const missing = () => {
    const arrived = new Set(receiver.requests.map((r) => r.headers["webhook-id"]));
    return [...load.acked].filter((id) => !arrived.has(id));
  };
  await waitFor("every acknowledged event to arrive", () => missing().length === 0, 30_000).catch(
    async (error) => {
      throw new Error(`${error}\n${await describeMissing(relay, missing())}`);
    },
  );
  expect(load.strays).toEqual([]);
  expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
  return load;
}

/** What the relay knows about events that never arrived, and what it logged as errors. */
async function describeMissing(relay: Relay, ids: string[]): Promise<string> {
  const lines = [`${ids.length} acknowledged events never arrived`];
  for (const id of ids.slice(0, 3)) {
    const event = await relay.json(`/v1/events/${id}`).catch((e) => ({ error: String(e) }));
    lines.push(JSON.stringify(event.deliveries ?? event));
  }
  const errors = new Set(
    relay.logs
      .filter((line) => line.level === "error" || line.level === "warn")
      .map((line) => `${line.level} ${line.msg} ${JSON.stringify(line.err ?? "")}`.slice(0, 300)),
  );
  return [...lines, ...errors].join("\n");
}

describe.skipIf(!mounted)("a relay whose disk fills up", () => {
  beforeAll(() => {
    expect(freeBytes(mountPoint)).toBeGreaterThan(4 * 1024 * 1024);
  });

  test("refuses publishes with 503 under the free-space threshold and resumes", async () => {
    const dataDir = join(mountPoint, "threshold");
    mkdirSync(dataDir);
    const env = { HOOKRELAY_MIN_FREE_DISK: "256KiB" };
    try {
      const load = await fillThenFree({ env, dataDir, leaveBytes: 128 * 1024 });
      expect(count(load.statuses, 503)).toBeGreaterThan(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  test("answers 503, not 500, when a write fails because the disk is full", async () => {
    // The database alone sits on the tmpfs and the data directory has room, so the free-space
    // check stays quiet and only the failing writes (SQLITE_FULL) can answer the publishes.
    const databaseDir = join(mountPoint, "enospc");
    mkdirSync(databaseDir);
    const dataDir = mkdtempSync(join(tmpdir(), "hookrelay-disk-full-data-"));
    try {
      const env = {
        HOOKRELAY_MIN_FREE_DISK: "1MiB",
        HOOKRELAY_DATABASE_URL: `file:${join(databaseDir, "hookrelay.db")}`,
      };
      const load = await fillThenFree({ env, dataDir, leaveBytes: 0 });
      expect(count(load.statuses, 503)).toBeGreaterThan(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(databaseDir, { recursive: true, force: true });
    }
  }, 60_000);
});
