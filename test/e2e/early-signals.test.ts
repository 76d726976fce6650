/**
 * Signals around start and stop: a SIGHUP while the relay is still loading must not end it
 * (until `serve` installs its reload handler, the default action would), and a SIGTERM stops
 * the reloads queued behind a running one.
 */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeDataDir, projectRoot, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { useTempDir } from "./ops-support.ts";

test("SIGHUPs sent while the relay starts leave it running, and it comes up", async () => {
  const child = Bun.spawn([process.execPath, "--no-install", "src/main.ts", "serve"], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      HOOKRELAY_HOST: "127.0.0.1",
      HOOKRELAY_PORT: "0",
      HOOKRELAY_DATA_DIR: makeDataDir(),
      HOOKRELAY_API_TOKEN: "early-signal-token-0123456789",
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "ignore",
  });
  let output = "";
  void (async () => {
    for await (const chunk of child.stdout) output += new TextDecoder().decode(chunk);
  })();
  try {
    // From when Bun runs JavaScript (well under 150 ms here) until the relay listens.
    await Bun.sleep(150);
    let sent = 0;
    while (!output.includes('"msg":"listening"') && child.exitCode === null && sent < 200) {
      child.kill("SIGHUP");
      sent++;
      // Spaced, so the signals land all through the start-up rather than at one moment.
      await Bun.sleep(20);
    }
    expect({ exitCode: child.exitCode, signal: child.signalCode }).toEqual({
      exitCode: null,
      signal: null,
    });
    expect(sent).toBeGreaterThan(0);
    await waitFor("the relay to log that it is listening", () =>
      output.includes('"msg":"listening"'),
    );
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
});

test("a SIGTERM cancels the reloads still queued behind a running one", async () => {
  using dir = useTempDir();
  const path = join(dir.path, "hookrelay.toml");
  // Enough declared endpoints that each reload takes a while to apply.
  const declare = (tag: string) =>
    Array.from(
      { length: 400 },
      (_, i) => `[[endpoints]]\nname = "e${i}"\nurl = "https://example.com/${tag}/${i}"\n`,
    ).join("\n");
  writeFileSync(path, declare("a"));
  await using relay = await startRelay({ env: { HOOKRELAY_CONFIG: path } });
  writeFileSync(path, declare("b"));
  // Spaced, since signals of one kind sent at once may arrive as one.
  for (let i = 0; i < 4; i++) {
    relay.process.kill("SIGHUP");
    await Bun.sleep(15);
  }
  expect(await relay.kill("SIGTERM")).toBe(0);
  const shutdownAt = relay.logs.findIndex((line) => line.msg === "shutting down");
  expect(shutdownAt).toBeGreaterThan(-1);
  const applied = relay.logs
    .map((line) => line.msg)
    .filter((msg) => msg === "configuration reloaded");
  // At most the reload that was running when the signal came finishes; none starts after it.
  const startedAfter = relay.logs
    .slice(shutdownAt)
    .filter((line) => line.msg === "declared endpoints applied").length;
  expect(startedAfter).toBeLessThanOrEqual(1);
  expect(applied.length).toBeLessThan(4);
});
