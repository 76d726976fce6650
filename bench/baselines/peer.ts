/**
 * The peer: the BullMQ + Redis webhook sender in ../shared/peers/bullmq-sender, what a
 * TypeScript team would build instead of a relay. Run under Node with undici (its fastest
 * client; Node's global fetch costs it far more per call), its default concurrent phase
 * (64 producers enqueue while the worker delivers at concurrency 64) and against our sink.
 * Redis runs from Debian's redis-server, once with persistence off and once with
 * `appendonly yes, appendfsync everysec`.
 *
 * The harness installs nothing: without redis-server, node or a prepared copy of the peer
 * (`bun --no-install bench/prepare-peer.ts`), the peer rows are skipped with the reason.
 */
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  findFreePort,
  makeTempDir,
  removeTempDir,
  runCommand,
  spawnChild,
  startCpuMeter,
  stopChild,
  waitFor,
} from "../processes.ts";

export type RedisPersistence = "off" | "everysec";

export interface PeerSetup {
  peerDir: string;
  redisServer: string;
  node: string;
}

export interface PeerResult {
  jobs: number;
  delivered: number;
  enqueue_per_s: number;
  delivered_per_s: number;
  end_to_end_s: number;
  cpu_s: number;
  redisCores: number;
}

/** Where the prepared peer lives; `bench/prepare-peer.ts` writes it there. */
export function peerDirectory(): string {
  return process.env.HOOKRELAY_BENCH_PEER_DIR ?? join(tmpdir(), "hookrelay-bench-peer");
}

/** The peer's tools, or the reason the peer rows are skipped. */
export function findPeerSetup(): PeerSetup | { skipped: string } {
  const redisServer = Bun.which("redis-server");
  if (!redisServer) {
    return { skipped: "redis-server not found (Debian: apt-get install -y redis-server)" };
  }
  const node = Bun.which("node");
  if (!node) return { skipped: "node not found; the peer runs under Node" };
  const peerDir = peerDirectory();
  if (!existsSync(join(peerDir, "node_modules", "bullmq"))) {
    return {
      skipped: `no prepared peer in ${peerDir} (run bun --no-install bench/prepare-peer.ts)`,
    };
  }
  return { peerDir, redisServer, node };
}

async function redisAnswersPing(port: number): Promise<boolean> {
  const { promise, resolve } = Promise.withResolvers<boolean>();
  try {
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (s, data) => {
          resolve(data.toString().startsWith("+PONG"));
          s.end();
        },
        error: () => resolve(false),
        close: () => resolve(false),
      },
    });
    socket.write("PING\r\n");
  } catch {
    return false;
  }
  return promise;
}

export async function runPeer(
  setup: PeerSetup,
  options: { persistence: RedisPersistence; jobs: number; concurrency: number; sinkUrl: string },
): Promise<PeerResult> {
  const port = findFreePort();
  const dataDir = makeTempDir("redis");
  const persistence =
    options.persistence === "off"
      ? ["--appendonly", "no"]
      : ["--appendonly", "yes", "--appendfsync", "everysec"];
  const redis = spawnChild(
    [setup.redisServer, "--port", String(port), "--bind", "127.0.0.1", "--save", ""].concat(
      persistence,
      ["--dir", dataDir, "--daemonize", "no"],
    ),
    { output: { logFile: join(dataDir, "redis.log") } },
  );
  try {
    await waitFor(
      "redis to answer PING",
      async () => (await redisAnswersPing(port)) || undefined,
      10_000,
    );
    const redisCores = startCpuMeter(redis.pid);
    const result = await runCommand<Omit<PeerResult, "redisCores">>(
      [setup.node, "sender.mjs", "run"],
      {
        cwd: setup.peerDir,
        timeoutMs: 300_000,
        env: {
          REDIS_URL: `redis://127.0.0.1:${port}`,
          SINK_URL: `${options.sinkUrl}/peer`,
          JOBS: String(options.jobs),
          CONCURRENCY: String(options.concurrency),
          PRODUCER_CONC: String(options.concurrency),
          HTTP_CLIENT: "undici",
          TIMEOUT_S: "240",
        },
      },
    );
    return { ...result, redisCores: redisCores() };
  } finally {
    await stopChild(redis);
    removeTempDir(dataDir);
  }
}
