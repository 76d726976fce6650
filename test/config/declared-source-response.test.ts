/** A declared source is held to the API's checks on its answer: `config validate` says so. */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, useTempDir } from "../e2e/ops-support.ts";

test("refuses a declared 204 or 205 answer with a body, at its line", async () => {
  using dir = useTempDir();
  const path = join(dir.path, "hookrelay.toml");
  const verifier = 'verifier = { scheme = "github", secrets = ["declared-github-secret-0001"] }';
  writeFileSync(
    path,
    [
      "[[sources]]",
      'name = "empty"',
      verifier,
      'response = { status = 204, body = "" }',
      "[[sources]]",
      'name = "reset"',
      verifier,
      'response = { status = 205, body = "hi" }',
    ].join("\n"),
  );
  const run = await runCli(["config", "validate", path]);
  const problems = run.stderr
    .split("\n")
    .filter((line) => line.startsWith("  "))
    .map((line) => line.trim().replace(`${path}:`, ""));
  expect({ code: run.code, problems }).toEqual({
    code: 2,
    problems: [
      "8: sources[1].response.body: must be empty with status 205, which answers without a body",
    ],
  });
});
