/**
 * `hookrelay plugins test` and `plugins list` from the command line: nothing tested is a
 * failure, and a broken plugin is refused with advice these commands can follow (they have no
 * --lenient-plugins flag; only `serve` does).
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, useTempDir } from "../e2e/ops-support.ts";
import { fixtureDir } from "../e2e/plugins-support.ts";

describe("plugins test", () => {
  test("fails when the --fixtures directory does not exist", async () => {
    const run = await runCli(["plugins", "test", "plugins/slack.ts", "--fixtures", "/nope"]);

    expect(run).toEqual({
      code: 1,
      stdout: "slack 1.0.0 (transform): loads\n",
      stderr:
        "hookrelay: no fixtures in /nope: nothing was tested; add *.json files with " +
        "{call, input, expect} there, or point --fixtures at them\n",
    });
  });

  test("fails when the fixtures directory holds no *.json file", async () => {
    using dir = useTempDir();
    const empty = join(dir.path, "fixtures");
    mkdirSync(empty);
    const run = await runCli(["plugins", "test", "plugins/slack.ts", "--fixtures", empty]);

    expect(run.code).toBe(1);
    expect(run.stderr).toStartWith(`hookrelay: no fixtures in ${empty}: nothing was tested`);
  });

  test("fails, without a stack trace, when --fixtures names a file", async () => {
    using dir = useTempDir();
    const file = join(dir.path, "not-a-dir.json");
    writeFileSync(file, "{}");
    const run = await runCli(["plugins", "test", "plugins/slack.ts", "--fixtures", file]);

    expect(run.code).toBe(1);
    expect(run.stderr).toStartWith(`hookrelay: no fixtures in ${file}: nothing was tested`);
    expect(run.stderr).not.toContain("ENOTDIR");
  });

  describe("fixtures", () => {
    const twitch = "plugins/twitch-eventsub.ts";
    // An ordinary notification: Twitch's handshake answers only webhook_callback_verification.
    const notification = {
      call: "handshake",
      input: { body: "{}", headers: { "twitch-eventsub-message-type": "notification" } },
    };

    async function runFixtures(fixtures: Record<string, unknown>) {
      using dir = useTempDir();
      for (const [name, fixture] of Object.entries(fixtures)) {
        const text = typeof fixture === "string" ? fixture : JSON.stringify(fixture);
        writeFileSync(join(dir.path, name), text);
      }
      return await runCli(["plugins", "test", twitch, "--fixtures", dir.path]);
    }

    test('"expect": null passes for a call that returns nothing', async () => {
      const run = await runFixtures({ "no-handshake.json": { ...notification, expect: null } });

      expect(run).toEqual({
        code: 0,
        stdout: "twitch-eventsub 1.0.0 (verifier): loads\n  pass  no-handshake.json\n",
        stderr: "",
      });
    });

    test("a fixture without expect, with a key it does not know, or no object fails", async () => {
      const run = await runFixtures({
        "a-no-expect.json": notification,
        "b-misspelt.json": { ...notification, expected: null },
        "c-a-list.json": [],
        "d-not-json.json": "{",
      });

      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 1, stderr: "" });
      expect(run.stdout.split("\n").slice(1)).toEqual([
        '  FAIL  a-no-expect.json: no "expect"; "expect": null is a call that returns nothing',
        '  FAIL  b-misspelt.json: unknown key "expected"; a fixture has name, call, input, expect',
        "  FAIL  c-a-list.json: expected an object with call, input and expect",
        "  FAIL  d-not-json.json: not JSON",
        "4 fixture(s) failed",
        "",
      ]);
    });
  });

  test("refuses a broken file without advising a flag it does not have", async () => {
    const file = join(fixtureDir("wrong-shape"), "wrong-shape.ts");
    const run = await runCli(["plugins", "test", file]);

    expect(run.code).toBe(1);
    expect(run.stderr).toStartWith(
      `hookrelay: cannot load plugins (it is not a plugin the relay can use):\n  ${file}: `,
    );
    expect(run.stderr).not.toContain("--lenient-plugins");
  });
});

describe("plugins list", () => {
  const brokenDir = fixtureDir("wrong-shape");

  test("refuses a broken plugin with advice that works for this command", async () => {
    const run = await runCli(["plugins", "list", "--plugins-dir", brokenDir]);

    expect(run.code).toBe(1);
    expect(run.stderr).toStartWith(
      "hookrelay: cannot load plugins (a relay would not start with them either; fix or " +
        "remove them, or skip them with HOOKRELAY_LENIENT_PLUGINS=true):\n" +
        `  ${join(brokenDir, "wrong-shape.ts")}: `,
    );
    expect(run.stderr).not.toContain("--lenient-plugins");
  });

  test("skips it, and says so, when HOOKRELAY_LENIENT_PLUGINS is set as advised", async () => {
    const args = ["plugins", "list", "--plugins-dir", brokenDir, "--json"];
    const run = await runCli(args, { HOOKRELAY_LENIENT_PLUGINS: "true" });

    expect(run.code).toBe(0);
    expect(run.stderr).toStartWith("hookrelay: skipped a broken plugin: ");
    const listed = JSON.parse(run.stdout) as { source: string }[];
    expect(listed.filter((p) => p.source !== "built-in")).toEqual([]);
  });
});
