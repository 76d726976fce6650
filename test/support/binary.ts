/**
 * Builds the compiled executable once per test run (every binary test shares it) and copies
 * it alone into the directory a test asks for: no source map, no node_modules, no
 * package.json beside it.
 */
import { chmodSync, copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeAtEnd } from "./leftovers.ts";
import { projectRoot } from "./relay.ts";

export const buildTimeoutMs = 180_000;

let built: Promise<string> | undefined;

function buildOnce(): Promise<string> {
  built ??= (async () => {
    const dir = removeAtEnd(mkdtempSync(join(tmpdir(), "hookrelay-build-")));
    const path = join(dir, "hookrelay");
    const build = Bun.spawn(
      [process.execPath, "--no-install", "scripts/build.ts", "src/main.ts", path],
      { cwd: projectRoot, stdout: "pipe", stderr: "pipe" },
    );
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(build.stdout).text(),
      new Response(build.stderr).text(),
      build.exited,
    ]);
    if (exitCode !== 0) throw new Error(`build exited ${exitCode}:\n${stdout}\n${stderr}`);
    return path;
  })();
  return built;
}

/** The built executable, copied alone to `destination`. */
export async function installBinary(destination: string): Promise<void> {
  copyFileSync(await buildOnce(), destination);
  chmodSync(destination, 0o755);
}
