/** `--log-format pretty`: the same records as the JSON lines, laid out for a terminal. */
import { describe, expect, test } from "bun:test";
import { formatRecord } from "../../src/cli/pretty-log.ts";
import { projectRoot } from "../support/relay.ts";
import { useTempDir } from "../e2e/ops-support.ts";

describe("pretty logs", () => {
  test("put time, level and message first, then the fields", () => {
    const line = JSON.stringify({
      level: "warn",
      time: "2026-12-03T21:04:05.123Z",
      msg: "attempt failed",
      deliveryId: "dlv_1",
      status: 503,
      error: "upstream down",
    });
    expect(formatRecord(line)).toBe(
      '21:04:05.123 WARN  attempt failed deliveryId=dlv_1 status=503 error="upstream down"',
    );
    expect(formatRecord("not json")).toBe("not json");
  });

  test("are what serve prints with --log-format pretty", async () => {
    using dir = useTempDir();
    const child = Bun.spawn(
      [process.execPath, "--no-install", "src/main.ts", "serve", "--log-format", "pretty"],
      {
        cwd: projectRoot,
        env: {
          PATH: process.env.PATH ?? "",
          HOOKRELAY_PORT: "0",
          HOOKRELAY_DATA_DIR: dir.path,
          HOOKRELAY_API_TOKEN: "pretty-test-token-0123456789",
        },
        stdout: "pipe",
        stderr: "ignore",
      },
    );
    let output = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      output += decoder.decode(chunk);
      if (output.includes(" listening ")) break;
    }
    child.kill("SIGTERM");
    await child.exited;
    expect(output).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}configuration config=\{/);
    expect(output).toMatch(
      /\n\d\d:\d\d:\d\d\.\d{3} INFO {2}listening url=http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(output).not.toContain("pretty-test-token-0123456789");
  }, 30_000);
});
