/** `hookrelay config validate [file]` lists every problem, settings and endpoints alike. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, useTempDir } from "../e2e/ops-support.ts";

describe("hookrelay config validate", () => {
  test("lists every problem of a broken file with its line, and exits 2", async () => {
    using dir = useTempDir();
    const path = join(dir.path, "hookrelay.toml");
    writeFileSync(
      path,
      [
        "[server]",
        'port = "eighty"',
        "[retry]",
        'schedule = ["5s", "soon"]',
        "[[endpoints]]",
        'name = "billing"',
        'url = "ftp://billing.example.com"',
        'event_types = ["invoice..paid"]',
        "[endpoints.signing]",
        'scheme = "carrier-pigeon"',
        "[[endpoints]]",
        'name = "billing"',
        'url = "https://example.com"',
        "[[endpoints]]",
        'url = "https://nameless.example.com"',
        "colour = 3",
      ].join("\n"),
    );
    const run = await runCli(["config", "validate", path]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n").filter(Boolean)).toEqual([
      `${path}: 8 problem(s)`,
      `  ${path}:12: endpoints[1].name: another endpoint has the name "billing"`,
      `  ${path}:16: endpoints[2].colour: unknown key (known: name, url, description, ` +
        "event_types, headers, enabled, secret, secret_file, signing, transform)",
      `  ${path}:14: endpoints[2].name: is required`,
      `  ${path}:4: retry.schedule: expected up to 50 comma-separated durations, e.g. 5s,5m,30m`,
      `  ${path}:2: server.port: expected an integer from 0 to 65535, got "eighty"`,
      `  ${path}:9: endpoints[0].signing.scheme: no signer plugin named "carrier-pigeon" ` +
        "(known: standard-webhooks, standard-webhooks-ed25519, stripe, github, hmac, jws)",
      `  ${path}:7: endpoints[0].url: must be an absolute http or https URL`,
      `  ${path}:8: endpoints[0].event_types[0]: must be dot-separated segments of ` +
        "A-Z a-z 0-9 _ - : or *",
    ]);
  });

  test("refuses a declared endpoint whose url is on port 0, with its line", async () => {
    using dir = useTempDir();
    const path = join(dir.path, "hookrelay.toml");
    writeFileSync(path, '[[endpoints]]\nname = "a"\nurl = "https://a.example:0/hooks"\n');
    const run = await runCli(["config", "validate", path]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr:
        `${path}: 1 problem(s)\n  ${path}:3: endpoints[0].url: must not use port 0; ` +
        "give a port from 1 to 65535 or none\n",
    });
  });

  test("with a bad setting, still reads the file's allow-list for its endpoints", async () => {
    using dir = useTempDir();
    const path = join(dir.path, "hookrelay.toml");
    writeFileSync(
      path,
      [
        "[security]",
        'allow_private_networks = ["127.0.0.0/8"]',
        "[[endpoints]]",
        'name = "local"',
        'url = "http://127.0.0.1:9000/hooks"',
        "[[endpoints]]",
        'name = "private"',
        'url = "http://10.1.2.3/hooks"',
      ].join("\n"),
    );
    const run = await runCli(["config", "validate", path], { HOOKRELAY_PORT: "abc" });
    expect(run.code).toBe(2);
    const problems = run.stderr.split("\n").filter(Boolean);
    expect(problems[0]).toBe(`${path}: 2 problem(s)`);
    expect(problems).toContainEqual(expect.stringContaining("HOOKRELAY_PORT"));
    expect(problems).toContainEqual(
      expect.stringContaining(
        "10.1.2.3 is a private-network address; to allow it, add 10.0.0.0/8 to " +
          "HOOKRELAY_ALLOW_PRIVATE_NETWORKS (security.allow_private_networks in the config file)",
      ),
    );
    expect(run.stderr).not.toContain("127.0.0.1 is a loopback address");
  });

  test("says ok for a valid file", async () => {
    using dir = useTempDir();
    const path = join(dir.path, "hookrelay.toml");
    writeFileSync(
      path,
      '[server]\nport = 9000\n[[endpoints]]\nname = "a"\nurl = "https://a.example"\n',
    );
    const run = await runCli(["config", "validate", path]);
    expect({ code: run.code, stdout: run.stdout }).toEqual({
      code: 0,
      stdout: `${path}: ok (1 endpoint(s), 0 source(s) declared)\n`,
    });
  });

  test("makes serve refuse to start on the same problems, with exit status 2", async () => {
    using dir = useTempDir();
    const path = join(dir.path, "hookrelay.toml");
    writeFileSync(path, "[delivery]\nconcurrency = 0\n");
    const run = await runCli(["serve", "--config", path], { HOOKRELAY_DATA_DIR: dir.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `hookrelay: invalid configuration:\n  ${path}:2: delivery.concurrency: expected an ` +
        'integer from 1 to 10000, got "0"\n',
    );
  });
});
