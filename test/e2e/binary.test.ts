/**
 * The compiled executable on its own: built by scripts/build.ts, copied alone into an empty
 * directory with no node_modules above it, it answers --version and --help, migrates a data
 * directory and serves signed deliveries.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTimeoutMs, installBinary } from "../support/binary.ts";
import { startReceiver } from "../support/receiver.ts";
import { makeDataDir, projectRoot, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { createEndpoint, publish, verifySignature } from "./api-fixtures.ts";

const version: string = (await Bun.file(join(projectRoot, "package.json")).json()).version;

const runDir = mkdtempSync(join(tmpdir(), "hookrelay-bin-"));
const binPath = join(runDir, "hookrelay");
const dataDir = makeDataDir();

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the binary from its own directory with nothing but PATH, HOME and `env`. */
async function runBinary(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = Bun.spawn([binPath, ...args], {
    cwd: runDir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}

beforeAll(async () => {
  await installBinary(binPath);
}, buildTimeoutMs);

afterAll(() => {
  for (const dir of [runDir, dataDir]) rmSync(dir, { recursive: true, force: true });
});

describe("the compiled binary", () => {
  test("sits alone in its directory", () => {
    expect(readdirSync(runDir)).toEqual(["hookrelay"]);
  });

  test("prints the package version", async () => {
    const run = await runBinary(["--version"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toEndWith(version);
  });

  test("prints help that names serve and migrate", async () => {
    const run = await runBinary(["--help"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("serve");
    expect(run.stdout).toContain("migrate");
  });

  test("migrates a data directory", async () => {
    const run = await runBinary(["migrate"], { HOOKRELAY_DATA_DIR: dataDir });
    expect({ exitCode: run.exitCode, stderr: run.stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect(readdirSync(dataDir).length).toBeGreaterThan(0);
  });

  test("serves and delivers a signed event", async () => {
    using receiver = startReceiver();
    await using relay = await startRelay({ command: [binPath], cwd: runDir, dataDir });
    const ready = await relay.api("/readyz");
    expect(ready.status).toBe(200);

    const endpoint = await createEndpoint(relay, { url: receiver.url });
    const payload = { from: "the compiled binary" };
    const event = (await publish(relay, { type: "binary.test", payload })).body;
    const delivered = await waitFor("the event to reach the receiver", () => {
      return receiver.requests.find((r) => r.headers["webhook-id"] === event.id);
    });
    expect(verifySignature(endpoint.secret, delivered)).toMatchObject({
      type: "binary.test",
      data: payload,
    });
    expect(delivered.headers["user-agent"]).toBe(`hookrelay/${version}`);
  });
});
