/**
 * The portability check of CI, from `npm test`: scripts/deno-plugin-check.ts runs the example
 * Slack transform, the example Twitch EventSub verifier and the built-in Standard Webhooks signer under Deno (the npm `deno`
 * package), with the import map in scripts/deno/deno.json standing in for the host.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { projectRoot } from "../support/relay.ts";

const deno = join(projectRoot, "node_modules", ".bin", "deno");
const script = join(projectRoot, "scripts", "deno-plugin-check.ts");
const config = join(projectRoot, "scripts", "deno", "deno.json");

async function run(argv: string[]) {
  const child = Bun.spawn(argv, {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, exitCode };
}

describe("plugins under Deno", () => {
  test("run the slack and twitch examples and the standard-webhooks signer", async () => {
    const result = await run([deno, "run", "--cached-only", "--config", config, script]);

    expect(result.stdout).toMatch(/^deno \d+\.\d+\.\d+\n/);
    expect(result.stdout.match(/^pass {2}.+$/gm)).toEqual([
      "pass  plugins/slack.ts turns an event into a Slack message",
      "pass  plugins/slack.ts skips a type outside its types option",
      "pass  plugins/twitch-eventsub.ts verifies and answers the challenge",
      "pass  built-in standard-webhooks signs what standardwebhooks verifies",
    ]);
    expect(result.stdout).toContain("4 passed, 0 failed");
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({
      exitCode: 0,
      stderr: "",
    });
  }, 60_000);

  test("the check refuses to pass when it is not run by Deno", async () => {
    const result = await run([process.execPath, "--no-install", script]);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("run this under Deno");
  });
});
