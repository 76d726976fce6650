/**
 * Prepares the BullMQ peer once, outside the repository: copies ../shared/peers/bullmq-sender
 * into a temp directory (or $HOOKRELAY_BENCH_PEER_DIR) and runs `npm install` there. The
 * benchmark itself installs nothing; it only looks for this copy. Redis is not installed
 * here either: `apt-get install -y redis-server` on Debian.
 *
 * Run: `bun --no-install bench/prepare-peer.ts`
 */
import { cpSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { peerDirectory } from "./baselines/peer.ts";
import { projectRoot } from "./processes.ts";

const source = join(projectRoot, "..", "shared", "peers", "bullmq-sender");
if (!existsSync(join(source, "sender.mjs"))) {
  console.error(`prepare-peer: no peer at ${source}`);
  process.exit(1);
}
const target = peerDirectory();
rmSync(target, { recursive: true, force: true });
cpSync(source, target, { recursive: true });
// shared/ may be read-only, and the copy keeps its modes.
Bun.spawnSync(["chmod", "-R", "u+w", target]);
const install = Bun.spawnSync(["npm", "install", "--no-audit", "--no-fund"], {
  cwd: target,
  stdout: "inherit",
  stderr: "inherit",
});
if (install.exitCode !== 0) {
  console.error(`prepare-peer: npm install failed in ${target}`);
  process.exit(1);
}
console.log(`prepare-peer: the peer is ready in ${target}`);
