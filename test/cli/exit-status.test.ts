/**
 * Exit statuses as docs/operations.md promises them: 2 when a command did not run as given (a
 * usage error, commander's or ours, or a configuration problem), 1 when it ran and failed.
 * An argument error says it is one, not "invalid configuration".
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, slow, useTempDir } from "../e2e/ops-support.ts";
import { startRelay } from "../support/relay.ts";

// Management commands need a token before they get to their arguments; no relay answers it.
const client = { HOOKRELAY_URL: "http://127.0.0.1:9", HOOKRELAY_TOKEN: "tok-not-used-0123456789" };

describe("exit status", () => {
  test("a missing required option exits 2, commander's usage error", async () => {
    const run = await runCli(["events", "publish"], client);

    expect(run.code).toBe(2);
    expect(run.stderr).toStartWith("error: required option '--type <type>' not specified\n");
  });

  test("--help and --version still exit 0", async () => {
    expect((await runCli(["--help"])).code).toBe(0);
    expect((await runCli(["events", "publish", "--help"])).code).toBe(0);
    expect((await runCli(["--version"])).code).toBe(0);
  });

  test("a payload that is not JSON is an invalid argument, exit 2", async () => {
    const run = await runCli(["events", "publish", "--type", "a.b", "--payload", "{bad"], client);

    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr: "hookrelay: invalid argument: --payload: expected JSON\n",
    });
  });

  test("a --since that is neither a time nor a duration is an invalid argument", async () => {
    // No relay listens on the client's URL: the argument is refused before any request.
    const run = await runCli(["dead-letters", "replay", "--since", "yesterday"], client);

    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr:
        "hookrelay: invalid argument: --since: expected an ISO time or a duration such as 2h\n",
    });
  });

  test("an unreadable --payload-file is an invalid argument", async () => {
    const args = ["events", "publish", "--type", "a.b", "--payload-file", "/nonexistent.json"];
    const run = await runCli(args, client);

    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr: "hookrelay: invalid argument: cannot read /nonexistent.json (ENOENT)\n",
    });
  });

  test(
    "a backup onto an existing file is an invalid argument, and the file is kept",
    async () => {
      using dir = useTempDir();
      await using relay = await startRelay({ dataDir: join(dir.path, "data") });
      const file = join(dir.path, "taken.db");
      writeFileSync(file, "not a backup");
      const run = await runCli(["backup", file], { HOOKRELAY_DATA_DIR: relay.dataDir });

      expect({ code: run.code, stderr: run.stderr }).toEqual({
        code: 2,
        stderr:
          `hookrelay: invalid argument: <file>: ${file} already exists; ` +
          "a backup never overwrites\n",
      });
      expect(await Bun.file(file).text()).toBe("not a backup");
    },
    slow,
  );

  test("a configuration problem still exits 2 and says so", async () => {
    const run = await runCli(["events", "list"], { HOOKRELAY_URL: "http://127.0.0.1:9" });

    expect(run.code).toBe(2);
    expect(run.stderr).toStartWith("hookrelay: invalid configuration:\n  HOOKRELAY_TOKEN: ");
  });

  test("a relay that cannot be reached exits 1: the command ran and failed", async () => {
    const run = await runCli(["events", "list"], client);

    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 1,
      stderr:
        "hookrelay: cannot reach the relay at http://127.0.0.1:9 (from HOOKRELAY_URL); the " +
        "address is --relay-url, else HOOKRELAY_URL, else http://HOOKRELAY_HOST:HOOKRELAY_PORT " +
        "(default 127.0.0.1:8080)\n",
    });
  });
});
