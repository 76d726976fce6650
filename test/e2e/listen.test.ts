import { expect, test } from "bun:test";
import { makeDataDir, projectRoot } from "../support/relay.ts";

test("refuses a busy port with one clear line and exit code 2", async () => {
  using occupant = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const child = Bun.spawn([process.execPath, "--no-install", "src/main.ts", "serve"], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOOKRELAY_PORT: String(occupant.port),
      HOOKRELAY_DATA_DIR: makeDataDir(),
      HOOKRELAY_API_TOKEN: "listen-test-token-0123456789",
    },
    stdout: "ignore",
    stderr: "pipe",
  });
  const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  expect(exitCode).toBe(2);
  expect(stderr).toContain(`cannot listen on 127.0.0.1:${occupant.port}: the address is in use`);
  expect(stderr).not.toMatch(/^\s+at /m);
}, 30_000);
