/**
 * The operations features inside the compiled executable, where a bundler can lose what a
 * dev run finds on disk: sd_notify through bun:ffi, the OpenAPI generator, prom-client, the
 * config example embedded for install-service, and the unit it prints.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installBinary } from "../support/binary.ts";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { bindNotifySocket } from "./ops-notify-socket.ts";
import { parseMetrics, useTempDir } from "./ops-support.ts";

const buildDir = mkdtempSync(join(tmpdir(), "hookrelay-ops-build-"));
const binPath = join(buildDir, "hookrelay");

beforeAll(async () => {
  await installBinary(binPath);
}, 180_000);

afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

async function runBinary(args: string[]) {
  const child = Bun.spawn([binPath, ...args], {
    cwd: buildDir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  return { stdout, code };
}

describe("the compiled binary", () => {
  test.skipIf(process.platform !== "linux")(
    "notifies systemd and serves /openapi.json and /metrics",
    async () => {
      using dir = useTempDir();
      const path = join(dir.path, "notify.sock");
      using socket = bindNotifySocket(path);
      await using relay = await startRelay({
        command: [binPath],
        cwd: buildDir,
        env: { NOTIFY_SOCKET: path },
      });
      await waitFor("READY=1", () => socket.drain().some((m) => m.startsWith("READY=1")));
      const document = (await (await fetch(`${relay.url}/openapi.json`)).json()) as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(document.paths)).toContain("/v1/events");
      const metrics = parseMetrics(await (await relay.api("/metrics")).text());
      expect(metrics.get("hookrelay_process_resident_memory_bytes")).toBeGreaterThan(0);
    },
    30_000,
  );

  test("prints the unit and carries the example config for install-service", async () => {
    const unit = await runBinary(["install-service"]);
    expect(unit.code).toBe(0);
    expect(unit.stdout).toContain(`ExecStart=${binPath} serve --config`);
    using dir = useTempDir();
    const config = join(dir.path, "hookrelay.toml");
    const args = ["install-service", "--write", "--config", config, "--unit-file"];
    expect((await runBinary([...args, join(dir.path, "unit")])).code).toBe(0);
    expect(await Bun.file(config).text()).toStartWith("# hookrelay.toml: every setting");
  }, 30_000);
});
