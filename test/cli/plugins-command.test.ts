/**
 * `hookrelay plugins test` and `plugins list` from the command line: nothing tested is a
 * failure, and a broken plugin is refused with advice these commands can follow (they have no
 * --lenient-plugins flag; only `serve` does).
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
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
