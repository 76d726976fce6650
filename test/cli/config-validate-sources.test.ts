/** `hookrelay config validate` on declared sources: every problem of a source, with its line. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, useTempDir } from "../e2e/ops-support.ts";

const secret = "declared-github-secret-0001";

async function validate(lines: string[], env: Record<string, string> = {}) {
  using dir = useTempDir();
  const path = join(dir.path, "hookrelay.toml");
  writeFileSync(path, lines.join("\n"));
  const run = await runCli(["config", "validate", path], env);
  return {
    code: run.code,
    problems: run.stderr
      .split("\n")
      .filter((line) => line.startsWith("  "))
      .map((line) => line.trim().replace(`${path}:`, "")),
  };
}

describe("config validate on [[sources]]", () => {
  test("reports a content_type a header cannot carry, with its line", async () => {
    const run = await validate([
      "[[sources]]",
      'name = "gh"',
      `verifier = { scheme = "github", secrets = ["${secret}"] }`,
      'response = { status = 200, content_type = "text/plain; x=\\u2603" }',
      "[[sources]]",
      'name = "gh2"',
      `verifier = { scheme = "github", secrets = ["${secret}"] }`,
      "[sources.response]",
      "status = 200",
      'content_type = "text/plain\\r\\nX-Injected: 1"',
    ]);
    const message = "must be visible ASCII, spaces and tabs (an HTTP field value, RFC 9110 §5.5)";
    expect(run).toEqual({
      code: 2,
      problems: [
        `4: sources[0].response.content_type: ${message}`,
        `8: sources[1].response.content_type: ${message}`,
      ],
    });
  });

  test("reports a dedupe_window longer than events are kept, with its line", async () => {
    const run = await validate([
      "[retention]",
      'succeeded = "1d"',
      "[[sources]]",
      'name = "shopify"',
      `verifier = { scheme = "github", secrets = ["${secret}"] }`,
      'dedupe_window = "48h"',
    ]);
    expect(run).toEqual({
      code: 2,
      problems: [
        "6: sources[0].dedupe_window: is longer than retention.succeeded (1 day): a delivery " +
          "id is forgotten when its event is deleted; at most 86400 seconds",
      ],
    });
  });

  test("reports every unknown key of response and verifier, each on its line", async () => {
    const run = await validate([
      "[[sources]]",
      'name = "gh"',
      "[sources.verifier]",
      'scheme = "github"',
      `secrts = ["${secret}"]`,
      "optons = {}",
      "[sources.response]",
      "status = 200",
      'contentType = "text/plain"',
      'bdy = "ok"',
    ]);
    const verifierKeys = "(known: scheme, secrets, secret_files, options)";
    const responseKeys = "(known: status, body, content_type)";
    expect(run).toEqual({
      code: 2,
      problems: [
        `5: sources[0].verifier.secrts: unknown key ${verifierKeys}`,
        `6: sources[0].verifier.optons: unknown key ${verifierKeys}`,
        `9: sources[0].response.contentType: unknown key ${responseKeys}`,
        `10: sources[0].response.bdy: unknown key ${responseKeys}`,
      ],
    });
  });
});
