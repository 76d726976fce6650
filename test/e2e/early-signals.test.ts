/**
 * A SIGHUP while the relay is still loading must not end it: until `serve` installs its
 * reload handler, a few hundred milliseconds after exec, the default action would.
 */
import { expect, test } from "bun:test";
import { makeDataDir, projectRoot } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";

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
