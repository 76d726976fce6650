/**
 * User plugins in the compiled binary, copied alone into an empty directory with a plugins/
 * directory beside it: `hookrelay/plugin` and `jose` resolve to the host's copies (nothing
 * else does), the plugins run in the relay's sandbox, and `plugins list` and `plugins test`
 * work there as they do from source.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { base64url, jwtVerify } from "jose";
import { buildTimeoutMs, installBinary } from "../support/binary.ts";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { createPluginEndpoint, deliverOne, fixtureDir, runCli } from "./plugins-support.ts";

const runDir = mkdtempSync(join(tmpdir(), "hookrelay-bin-"));
const binPath = join(runDir, "hookrelay");
const pluginsDir = join(runDir, "plugins");
const binary = { command: [binPath], cwd: runDir };

beforeAll(async () => {
  await installBinary(binPath);
  mkdirSync(pluginsDir);
  cpSync(fixtureDir("binary"), pluginsDir, { recursive: true });
  copyFileSync(join(fixtureDir("working"), "jwt-signer.ts"), join(pluginsDir, "jwt-signer.ts"));
}, buildTimeoutMs);

afterAll(() => {
  for (const dir of [runDir]) rmSync(dir, { recursive: true, force: true });
});

describe("user plugins in the compiled binary", () => {
  test("have no node_modules to resolve from", () => {
    for (let dir = runDir; dir !== dirname(dir); dir = dirname(dir)) {
      expect(existsSync(join(dir, "node_modules"))).toBe(false);
    }
  });

  test("transform and sign a delivery with the host's SDK and jose", async () => {
    using receiver = startReceiver();
    await using relay = await startRelay(binary);
    const secret = "a-user-signer-secret-of-32-characters";
    await createPluginEndpoint(relay, {
      url: receiver.url,
      transform: { plugin: "jose-stamp", options: { label: "from the binary" } },
      signing: { scheme: "fixture-jwt" },
      secret,
    });
    const { eventId, request } = await deliverOne(relay, receiver, "binary.plugin", { n: 1 });

    expect(relay.logs.find((line) => line.msg === "loaded plugins")).toMatchObject({
      plugins: ["jose-stamp", "fixture-jwt"],
    });
    expect(JSON.parse(request.body)).toEqual({
      label: "from the binary",
      stamp: base64url.encode(eventId),
      type: "binary.plugin",
    });
    expect(request.headers["x-stamp"]).toBe(base64url.encode("binary.plugin"));
    const jwt = request.headers["x-fixture-jwt"] ?? "";
    const { payload } = await jwtVerify(jwt, new TextEncoder().encode(secret));
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new Uint8Array(request.bodyBytes)),
    );
    expect(payload).toMatchObject({ jti: eventId, sha256: base64url.encode(digest) });
  }, 30_000);

  test("are listed by plugins list --json", async () => {
    const run = await runCli(["plugins", "list", "--json"], binary);

    expect({ exitCode: run.exitCode, stderr: run.stderr }).toEqual({ exitCode: 0, stderr: "" });
    const listed = JSON.parse(run.stdout) as Record<string, string>[];
    expect(listed.filter((p) => p.source !== "built-in")).toEqual([
      {
        name: "jose-stamp",
        kind: "transform",
        version: "1.2.3",
        source: join(pluginsDir, "jose-stamp.ts"),
      },
      {
        name: "fixture-jwt",
        kind: "signer",
        version: "1.0.0",
        source: join(pluginsDir, "jwt-signer.ts"),
      },
    ]);
  });

  test("pass plugins test with their fixtures", async () => {
    const run = await runCli(["plugins", "test", "plugins/jose-stamp.ts"], binary);

    expect(run.stdout).toContain("  pass  stamps an event with jose's base64url of its id");
    expect(run.stdout).not.toContain("FAIL");
    expect(run.exitCode).toBe(0);
  });

  test("fail plugins test with exit code 1 against a wrong fixture", async () => {
    const args = ["--fixtures", "plugins/jose-stamp.wrong-fixtures"];
    const run = await runCli(["plugins", "test", "plugins/jose-stamp.ts", ...args], binary);

    expect(run.stdout).toContain("  FAIL  expects padded standard base64 (wrong on purpose)");
    expect(run.stdout).toContain('got      {"body":{"label":"paid","stamp":"ZXZ0XzE"');
    expect(run.exitCode).toBe(1);
  });

  test("cannot import a package the host does not provide", async () => {
    const unresolvable = join(runDir, "unresolvable");
    cpSync(fixtureDir("binary-unresolvable"), unresolvable, { recursive: true });
    const run = await runCli(["plugins", "list", "--plugins-dir", unresolvable], binary);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(join(unresolvable, "imports-typebox.ts"));
    expect(run.stderr).toContain("@sinclair/typebox");
  });
});
