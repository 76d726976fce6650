/**
 * `hookrelay plugins list` and `hookrelay plugins test`, run from source: what a relay would
 * load, and the authoring loop of fixtures with a pass or FAIL line each and exit code 1 when
 * any fails. The example plugins' own fixtures (plugins/*.fixtures) run here too.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { projectRoot } from "../support/relay.ts";
import { fixtureDir, fixturePlugins, runCli, stackTraceLine } from "./plugins-support.ts";

interface ListedPlugin {
  name: string;
  kind: string;
  version: string;
  source: string;
}

async function listJson(args: string[] = []): Promise<ListedPlugin[]> {
  const run = await runCli(["plugins", "list", "--json", ...args]);
  expect({ exitCode: run.exitCode, stderr: run.stderr }).toEqual({ exitCode: 0, stderr: "" });
  return JSON.parse(run.stdout);
}

describe("plugins list", () => {
  test("lists the built-ins and the example plugins in ./plugins", async () => {
    const listed = await listJson();
    const names = (kind: string, source?: string) =>
      listed
        .filter((p) => p.kind === kind && (source === undefined || p.source === source))
        .map((p) => p.name);

    // The built-in set grows (inbound verifiers land separately): these are the issue's.
    const signers = ["standard-webhooks", "standard-webhooks-ed25519", "stripe", "github"];
    expect(names("signer", "built-in")).toEqual(expect.arrayContaining([...signers, "hmac"]));
    expect(names("signer", "built-in")).toContain("jws");
    expect(names("verifier", "built-in")).toEqual(
      expect.arrayContaining(["standard-webhooks", "stripe", "github", "shopify", "slack"]),
    );
    expect(names("transform", "built-in")).toContain("jsonata");
    expect(listed.filter((p) => p.source !== "built-in")).toEqual([
      expect.objectContaining({
        name: "discord",
        kind: "transform",
        source: examplePath("discord"),
      }),
      expect.objectContaining({ name: "slack", kind: "transform", source: examplePath("slack") }),
      expect.objectContaining({
        name: "twitch-eventsub",
        kind: "verifier",
        source: examplePath("twitch-eventsub"),
      }),
    ]);
  });

  test("lists the plugins of --plugins-dir with their versions and files", async () => {
    const listed = await listJson(["--plugins-dir", fixtureDir("binary")]);

    expect(listed.filter((p) => p.source !== "built-in")).toEqual([
      {
        name: "jose-stamp",
        kind: "transform",
        version: "1.2.3",
        source: join(fixtureDir("binary"), "jose-stamp.ts"),
      },
    ]);
  });

  test("prints a table without --json", async () => {
    const run = await runCli(["plugins", "list", "--plugins-dir", fixtureDir("working")]);

    expect(run.exitCode).toBe(0);
    for (const name of ["jsonata", "shout", "fixture-jwt", "endless-loop", "built-in"]) {
      expect(run.stdout).toContain(name);
    }
  });

  test("refuses a directory with a broken plugin, naming the file", async () => {
    const run = await runCli(["plugins", "list", "--plugins-dir", fixtureDir("wrong-shape")]);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(join(fixtureDir("wrong-shape"), "wrong-shape.ts"));
    expect(run.stderr).not.toMatch(stackTraceLine);
  });
});

const examplePath = (name: string) => join(projectRoot, "plugins", `${name}.ts`);

/** The label of every `pass` line, in order. */
const passed = (stdout: string) =>
  [...stdout.matchAll(/^ {2}pass {2}(.+)$/gm)].map((match) => match[1]);

describe("plugins test", () => {
  test("passes the slack example's fixtures", async () => {
    const run = await runCli(["plugins", "test", "plugins/slack.ts"]);

    expect(run.stdout).toStartWith("slack 1.0.0 (transform): loads\n");
    expect(passed(run.stdout)).toHaveLength(3);
    expect(run.stdout).not.toContain("FAIL");
    expect(run.exitCode).toBe(0);
  });

  test("passes the twitch-eventsub example's fixtures", async () => {
    const run = await runCli(["plugins", "test", "plugins/twitch-eventsub.ts"]);

    expect(run.stdout).toStartWith("twitch-eventsub 1.0.0 (verifier): loads\n");
    expect(passed(run.stdout)).toHaveLength(5);
    expect(run.stdout).not.toContain("FAIL");
    expect(run.exitCode).toBe(0);
  });

  test("passes the discord example's fixtures", async () => {
    const run = await runCli(["plugins", "test", "plugins/discord.ts"]);

    expect(passed(run.stdout)).toHaveLength(3);
    expect(run.stdout).not.toContain("FAIL");
    expect(run.exitCode).toBe(0);
  });

  test("reads <file>.fixtures next to the plugin by default", async () => {
    const run = await runCli(["plugins", "test", join(fixtureDir("working"), "shout.ts")]);

    expect(passed(run.stdout)).toEqual([
      "keeps a null payload",
      "shouts the event type with the prefix option",
    ]);
    expect(run.exitCode).toBe(0);
  });

  test("passes the fixtures of the examples in docs/plugins.md", async () => {
    for (const [file, count] of [
      ["acme.ts", 1],
      ["notice.ts", 2],
    ] as const) {
      const run = await runCli(["plugins", "test", join(fixtureDir("docs"), file)]);

      expect(passed(run.stdout)).toHaveLength(count);
      expect(run.exitCode).toBe(0);
    }
  });

  test("fails with exit code 1 and shows both values when a fixture does not match", async () => {
    const run = await runCli([
      "plugins",
      "test",
      join(fixtureDir("working"), "shout.ts"),
      "--fixtures",
      join(fixturePlugins, "failing-fixtures"),
    ]);

    expect(run.stdout).toContain("  FAIL  expects a whisper (wrong on purpose)");
    expect(run.stdout).toContain('expected {"body":{"shouted":"order.paid"');
    expect(run.stdout).toContain('got      {"body":{"shouted":">>ORDER.PAID"');
    expect(run.stdout).toContain("1 fixture(s) failed");
    expect(run.exitCode).toBe(1);
  });

  test("fails a fixture whose call overruns --timeout", async () => {
    const run = await runCli([
      "plugins",
      "test",
      join(fixtureDir("working"), "endless-loop.ts"),
      "--timeout",
      "200",
      "--fixtures",
      join(fixturePlugins, "failing-fixtures"),
    ]);

    expect(run.stdout).toContain("FAIL  expects a whisper (wrong on purpose): ");
    expect(run.stdout).toContain("200 ms");
    expect(run.exitCode).toBe(1);
  });

  test("runs a signer fixture, its body given as text and compared as bytes", async () => {
    const fixtures = mkdtempSync(join(tmpdir(), "hookrelay-fixtures-"));
    try {
      const secret = "a-user-signer-secret-of-32-characters";
      const body = '{"note":"Zoë 🎉"}';
      const digest = new Uint8Array(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)),
      );
      const jwt = await new SignJWT({ sha256: Buffer.from(digest).toString("base64url") })
        .setProtectedHeader({ alg: "HS256" })
        .setJti("evt_1")
        .setIssuedAt(1_796_330_780)
        .setIssuer("hookrelay")
        .sign(new TextEncoder().encode(secret));
      const fixture = {
        name: "signs a UTF-8 body",
        call: "sign",
        input: { eventId: "evt_1", timestampSeconds: 1_796_330_780, body, secrets: [secret] },
        expect: { "x-fixture-jwt": jwt },
      };
      writeFileSync(join(fixtures, "signs.json"), JSON.stringify(fixture));
      const file = join(fixtureDir("working"), "jwt-signer.ts");
      const run = await runCli(["plugins", "test", file, "--fixtures", fixtures]);

      expect(passed(run.stdout)).toEqual(["signs a UTF-8 body"]);
      expect(run.exitCode).toBe(0);
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
    }
  });

  test("refuses a file that is not a plugin, naming it", async () => {
    const file = join(fixtureDir("wrong-shape"), "wrong-shape.ts");
    const run = await runCli(["plugins", "test", file]);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(file);
    expect(run.stderr).not.toMatch(stackTraceLine);
  });
});
