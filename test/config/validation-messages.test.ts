/**
 * Every message the loader gives, one case each: what a person sees when a setting, a
 * declared endpoint or a declared source is wrong, with its key and the file line.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/config.ts";

function problemsOf(env: Record<string, string>, toml?: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "hookrelay-messages-"));
  try {
    const path = join(dir, "h.toml");
    if (toml !== undefined) writeFileSync(path, toml);
    loadConfig(env, toml === undefined ? {} : { config: path });
    return [];
  } catch (error) {
    return (error as Error).message
      .split("\n")
      .slice(1)
      .map((line) => line.trim().replace(`${path(dir)}:`, "h.toml:"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const path = (dir: string) => join(dir, "h.toml");

describe("a setting", () => {
  test.each([
    [
      { HOOKRELAY_PORT: "99999" },
      'HOOKRELAY_PORT: expected an integer from 0 to 65535, got "99999"',
    ],
    [
      { HOOKRELAY_ATTEMPT_TIMEOUT: "soon" },
      "HOOKRELAY_ATTEMPT_TIMEOUT: expected a duration such as 500ms, 15s or 2h",
    ],
    [{ HOOKRELAY_ATTEMPT_TIMEOUT: "0s" }, "HOOKRELAY_ATTEMPT_TIMEOUT: must be > 0"],
    [{ HOOKRELAY_MAX_BODY: "huge" }, "HOOKRELAY_MAX_BODY: expected a size such as 16KiB or 1MiB"],
    [
      { HOOKRELAY_METRICS_PUBLIC: "yes" },
      'HOOKRELAY_METRICS_PUBLIC: expected true or false, got "yes"',
    ],
    [
      { HOOKRELAY_LOG_FORMAT: "xml" },
      'HOOKRELAY_LOG_FORMAT: expected one of json, pretty, got "xml"',
    ],
    [
      { HOOKRELAY_RETRY_JITTER: "2" },
      "HOOKRELAY_RETRY_JITTER: expected a fraction from 0 to below 1, e.g. 0.2",
    ],
    [
      { HOOKRELAY_RETRY_SCHEDULE: "5s,later" },
      "HOOKRELAY_RETRY_SCHEDULE: expected up to 50 comma-separated durations, e.g. 5s,5m,30m",
    ],
    [{ HOOKRELAY_API_TOKEN: "short" }, "HOOKRELAY_API_TOKEN: must be at least 16 characters"],
    [
      { HOOKRELAY_JWT_SECRET: "short" },
      "HOOKRELAY_JWT_SECRET: must be at least 32 characters (256 bits for HS256)",
    ],
    [
      { HOOKRELAY_JWKS_URL: "ftp://idp" },
      "HOOKRELAY_JWKS_URL: expected an https:// (or http://) URL",
    ],
    [
      { HOOKRELAY_JWKS_URL: "https://idp/jwks", HOOKRELAY_JWKS_FILE: "/nonexistent/jwks.json" },
      "HOOKRELAY_JWKS_FILE: give a JWKS URL or a JWKS file, not both",
    ],
    [
      { HOOKRELAY_JWKS_FILE: "/nonexistent/jwks.json" },
      "HOOKRELAY_JWKS_FILE: cannot read /nonexistent/jwks.json (ENOENT)",
    ],
    [{ HOOKRELAY_RETENTION_DEAD: "0s" }, "HOOKRELAY_RETENTION_DEAD: must be > 0"],
    [
      { HOOKRELAY_RETENTION_BATCH_SIZE: "0" },
      'HOOKRELAY_RETENTION_BATCH_SIZE: expected an integer from 1 to 10000, got "0"',
    ],
  ])("%p is refused with its message", (env, message) => {
    expect(problemsOf(env)).toEqual([message]);
  });
});

describe("a config file", () => {
  test.each([
    ["[server]\nhots = 1\n", "h.toml:2: server.hots: unknown key (did you mean server.host?)"],
    ["[server]\nport = [1]\n", 'h.toml:2: server.port: expected a single value such as "8080"'],
    [
      "[retry]\nschedule = [5]\n",
      'h.toml:2: retry.schedule: expected a list of durations such as ["5s", "5m"]',
    ],
    ["endpoints = 3\n", "h.toml:1: endpoints: expected [[endpoints]] tables"],
    ['[[endpoints]]\nname = "a"\nurl = 1\n', "h.toml:3: endpoints[0].url: must be a string"],
    [
      '[[endpoints]]\nname = "A!"\nurl = "https://a"\n',
      "h.toml:2: endpoints[0].name: must be 1-64 of a-z 0-9 _ - (starting with a letter or digit)",
    ],
    [
      '[[endpoints]]\nname = "a"\nurl = "https://a"\nevent_types = "x"\n',
      'h.toml:4: endpoints[0].event_types: must be a list of strings such as ["invoice.*"]',
    ],
    [
      '[[endpoints]]\nname = "a"\nurl = "https://a"\nheaders = { X = 1 }\n',
      'h.toml:4: endpoints[0].headers: must be a table of strings such as { "X-Team" = "billing" }',
    ],
    [
      '[[endpoints]]\nname = "a"\nurl = "https://a"\nenabled = "no"\n',
      "h.toml:4: endpoints[0].enabled: must be true or false",
    ],
    [
      '[[endpoints]]\nname = "a"\nurl = "https://a"\nsecret = "x"\nsecret_file = "y"\n',
      "h.toml:5: endpoints[0].secret_file: give secret or secret_file, not both",
    ],
    [
      '[[endpoints]]\nname = "a"\nurl = "https://a"\nsecret_file = "missing"\n',
      "h.toml:4: endpoints[0].secret_file: cannot read missing (ENOENT)",
    ],
    [
      '[[endpoints]]\nname = "a"\nurl = "https://a"\nsigning = "hmac"\n',
      'h.toml:4: endpoints[0].signing: must be a table with a scheme name, e.g. { scheme = "…" }',
    ],
    [
      '[[sources]]\nname = "gh"\n',
      "h.toml:1: sources[0].verifier: must be a table with a scheme, " +
        'e.g. { scheme = "github", secret_files = [...] }',
    ],
    [
      '[[sources]]\nname = "gh"\nmax_body = "big"\nverifier = { scheme = "github" }\n',
      "h.toml:3: sources[0].max_body: expected a size such as 1MiB",
    ],
    [
      '[[sources]]\nname = "gh"\ndedupe_window = "long"\nverifier = { scheme = "github" }\n',
      "h.toml:3: sources[0].dedupe_window: expected a duration such as 24h",
    ],
  ])("%p is refused with its line", (toml, message) => {
    expect(problemsOf({}, toml)).toEqual([message]);
  });
});
