/**
 * Helpers the operations suites share: temporary directories, running the `hookrelay` CLI as
 * a real child process, and reading Prometheus text.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot, type Relay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";

/** Per-test timeout for suites that start relays: a loaded CI machine takes seconds each. */
export const slow = 30_000;

export function useTempDir(prefix = "hookrelay-ops-") {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes the config file, sends SIGHUP, and waits for the next log line `expected`. */
export async function reload(relay: Relay, path: string, text: string, expected: string) {
  writeFileSync(path, text);
  const seen = relay.logs.filter((line) => line.msg === expected).length;
  relay.process.kill("SIGHUP");
  return waitFor(
    `the relay to log "${expected}"`,
    () => {
      const lines = relay.logs.filter((line) => line.msg === expected);
      return lines.length > seen && lines.at(-1);
    },
    20_000,
  );
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bun src/main.ts <args>` with only PATH, HOME and `env` in its environment. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  stdin?: string,
): Promise<CliRun> {
  const child = Bun.spawn([process.execPath, "--no-install", "src/main.ts", ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

/** `name{labels} value` lines into a map keyed by `name{labels}` as written. */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}
