/**
 * `serve` and `migrate` given a data directory or database URL they cannot use say so in one
 * line naming the path or URL and why, and exit 2 (a configuration problem), before anything
 * opens the database; `backup` says why a copy cannot be written.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, slow, useTempDir } from "../e2e/ops-support.ts";

const prefix = "hookrelay: invalid configuration:";

describe.each(["serve", "migrate"])("%s with a place it cannot use", (command) => {
  test("a data directory that cannot be created", async () => {
    const run = await runCli([command, "--data-dir", "/proc/nope"], { HOOKRELAY_PORT: "0" });
    const what = command === "serve" ? "data directory" : "database directory";
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr:
        `${prefix} ${what} /proc/nope: cannot be created ` +
        "(ENOENT: no such file or directory)\n",
    });
  });

  test("a data directory that is a regular file", async () => {
    using dir = useTempDir();
    const file = join(dir.path, "not-a-dir");
    writeFileSync(file, "x");
    const run = await runCli([command, "--data-dir", file], { HOOKRELAY_PORT: "0" });
    const what = command === "serve" ? "data directory" : "database directory";
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr: `${prefix} ${what} ${file}: it is a file, not a directory\n`,
    });
  });

  test("a database URL that is not a URL", async () => {
    using dir = useTempDir();
    const args = [command, "--data-dir", dir.path, "--database-url", "notaurl"];
    const run = await runCli(args, { HOOKRELAY_PORT: "0" });
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr:
        `${prefix} database URL notaurl: not a URL libSQL takes ` +
        "(file:<path>, libsql://…, https://…, ws://…)\n",
    });
  });

  test("a database file that cannot be created where it is", async () => {
    using dir = useTempDir();
    const args = [command, "--data-dir", dir.path, "--database-url", "file:/proc/x.db"];
    const run = await runCli(args, { HOOKRELAY_PORT: "0" });
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr:
        `${prefix} database URL file:/proc/x.db: the file cannot be opened or created there ` +
        "(SQLite error 14)\n",
    });
  });

  test("a database file that is not SQLite's", async () => {
    using dir = useTempDir();
    const file = join(dir.path, "hookrelay.db");
    writeFileSync(file, "plain text, long enough to be read as a header ".repeat(4));
    const run = await runCli([command, "--data-dir", dir.path], { HOOKRELAY_PORT: "0" });
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr: `${prefix} database URL file:${file}: the file is not a SQLite database\n`,
    });
  });
});

describe("backup", () => {
  test(
    "into a directory that does not exist is an invalid argument, exit 2",
    async () => {
      using dir = useTempDir();
      expect((await runCli(["migrate", "--data-dir", dir.path])).code).toBe(0);
      const run = await runCli(["backup", "/nonexistent-dir/x.db", "--data-dir", dir.path]);
      expect({ code: run.code, stderr: run.stderr }).toEqual({
        code: 2,
        stderr:
          "hookrelay: invalid argument: <file>: /nonexistent-dir does not exist; " +
          "a backup does not create directories\n",
      });
    },
    slow,
  );

  test(
    "that cannot write its copy says why, exit 1",
    async () => {
      using dir = useTempDir();
      expect((await runCli(["migrate", "--data-dir", dir.path])).code).toBe(0);
      const run = await runCli(["backup", "/proc/x.db", "--data-dir", dir.path]);
      expect({ code: run.code, stderr: run.stderr }).toEqual({
        code: 1,
        stderr: "hookrelay: backup into /proc/x.db failed: unable to open database: /proc/x.db\n",
      });
    },
    slow,
  );
});
