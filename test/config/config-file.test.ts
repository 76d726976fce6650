/**
 * hookrelay.toml: precedence against the environment and flags, messages with line numbers,
 * and config.example.toml, which must document every key with its default.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, loadConfig } from "../../src/config/config.ts";
import { readConfigFile } from "../../src/config/config-file.ts";
import { settingNames, specOf } from "../../src/config/settings.ts";
import { TomlKeyLines } from "../../src/config/toml-lines.ts";
import { HookrelayError } from "../../src/errors/hookrelay-error.ts";

const examplePath = join(import.meta.dir, "..", "..", "config.example.toml");

function useTempDir() {
  const path = mkdtempSync(join(tmpdir(), "hookrelay-config-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

function writeToml(dir: string, text: string, name = "hookrelay.toml"): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The problems a load reports, one per line, without the heading. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(HookrelayError);
    expect((error as HookrelayError).code).toBe("ERR_CONFIG");
    return (error as Error).message
      .split("\n")
      .slice(1)
      .map((line) => line.trim());
  }
  throw new Error("expected the configuration to be refused");
}

/** Everything but where the file came from, for comparing two loads. */
function withoutOrigin(config: Readonly<Config>) {
  const { configFile: _file, ...rest } = config;
  return rest;
}

describe("a config file", () => {
  test("sets values that the environment and then flags override", () => {
    using dir = useTempDir();
    const path = writeToml(
      dir.path,
      '[server]\nhost = "::1"\nport = 9000\n[delivery]\nconcurrency = 8\n',
    );
    const fromFile = loadConfig({ HOOKRELAY_CONFIG: path });
    expect([fromFile.host, fromFile.port, fromFile.concurrency]).toEqual(["::1", 9000, 8]);
    const fromEnv = loadConfig({ HOOKRELAY_CONFIG: path, HOOKRELAY_PORT: "9100" });
    expect([fromEnv.host, fromEnv.port]).toEqual(["::1", 9100]);
    const fromFlag = loadConfig({ HOOKRELAY_PORT: "9100" }, { config: path, port: "9200" });
    expect([fromFlag.host, fromFlag.port]).toEqual(["::1", 9200]);
  });

  test("takes --config over HOOKRELAY_CONFIG", () => {
    using dir = useTempDir();
    const env = writeToml(dir.path, "[server]\nport = 1111\n", "env.toml");
    const flag = writeToml(dir.path, "[server]\nport = 2222\n", "flag.toml");
    expect(loadConfig({ HOOKRELAY_CONFIG: env }, { config: flag }).port).toBe(2222);
  });

  test("reads the retry schedule as a TOML list", () => {
    using dir = useTempDir();
    const path = writeToml(dir.path, '[retry]\nschedule = ["1s", "2m"]\n');
    expect(loadConfig({}, { config: path }).retryScheduleMs).toEqual([1_000, 120_000]);
  });

  test("resolves relative paths against the file's directory", () => {
    using dir = useTempDir();
    const path = writeToml(dir.path, 'data_dir = "state"\n[plugins]\ndir = "plugins"\n');
    const config = loadConfig({}, { config: path });
    expect([config.dataDir, config.pluginsDir]).toEqual([
      join(dir.path, "state"),
      join(dir.path, "plugins"),
    ]);
    expect(config.databaseUrl).toBe(`file:${join(dir.path, "state", "hookrelay.db")}`);
  });

  test("uses systemd's STATE_DIRECTORY as the default data directory", () => {
    expect(loadConfig({ STATE_DIRECTORY: "/var/lib/hookrelay" }).dataDir).toBe(
      "/var/lib/hookrelay",
    );
    expect(
      loadConfig({ STATE_DIRECTORY: "/var/lib/hookrelay", HOOKRELAY_DATA_DIR: "/srv/hr" }).dataDir,
    ).toBe("/srv/hr");
  });

  test("reports every problem with its line, and env and flag problems beside them", () => {
    using dir = useTempDir();
    const path = writeToml(
      dir.path,
      [
        "[server]",
        'port = "http"',
        "[delivery]",
        'attempt_timeout = "soon"',
        "concurency = 4",
        "[log]",
        'level = "loud"',
        "[tls]",
        "cert = 1",
      ].join("\n"),
    );
    const problems = problemsOf(() =>
      loadConfig({ HOOKRELAY_MAX_BODY: "big" }, { config: path, retrySchedule: "1s,later" }),
    );
    expect(problems.sort()).toEqual(
      [
        `${path}:5: delivery.concurency: unknown key (did you mean delivery.concurrency?)`,
        `${path}:8: tls: unknown key`,
        `${path}:2: server.port: expected an integer from 0 to 65535, got "http"`,
        "HOOKRELAY_MAX_BODY: expected a size such as 16KiB or 1MiB",
        `${path}:7: log.level: expected one of trace, debug, info, warn, error, fatal, got "loud"`,
        "--retry-schedule: expected up to 50 comma-separated durations, e.g. 5s,5m,30m",
        `${path}:4: delivery.attempt_timeout: expected a duration such as 500ms, 15s or 2h`,
      ].sort(),
    );
  });

  test("reports a TOML syntax error with its line and column", () => {
    using dir = useTempDir();
    const path = writeToml(dir.path, '[server]\nhost = "unterminated\n');
    const [problem] = problemsOf(() => loadConfig({}, { config: path }));
    expect(problem).toStartWith(`${path}:2:`);
  });

  test("reports a missing file by its path", () => {
    using dir = useTempDir();
    const path = join(dir.path, "missing.toml");
    expect(problemsOf(() => loadConfig({}, { config: path }))).toEqual([
      `${path}: cannot read the config file (ENOENT)`,
    ]);
  });

  test("refuses a table where a value belongs, and a list where one value belongs", () => {
    using dir = useTempDir();
    const path = writeToml(dir.path, '[server.host]\nname = "x"\n[log]\nlevel = ["info"]\n');
    expect(problemsOf(() => loadConfig({}, { config: path }))).toEqual([
      `${path}:1: server.host: expected a single value such as "127.0.0.1"`,
      `${path}:4: log.level: expected a single value such as "info"`,
    ]);
  });
});

describe("config.example.toml", () => {
  test("loads with the real loader and gives exactly the defaults", () => {
    const fromExample = loadConfig({}, { config: examplePath });
    expect(fromExample.configFile).toBe(examplePath);
    expect(withoutOrigin(fromExample)).toEqual(withoutOrigin(loadConfig({})));
  });

  test("documents every setting, with its default and its variable", () => {
    const text = readFileSync(examplePath, "utf8");
    const uncommented = text.replace(/^# ((?:[a-z_]+ = |\[).*)$/gm, "$1");
    const lines = new TomlKeyLines(uncommented);
    const parsed = readConfigFile(examplePath);
    for (const name of settingNames) {
      const spec = specOf(name);
      const line = lines.lineOf(spec.file.split("."));
      expect({ name, documented: line !== undefined && lineIsKey(uncommented, line) }).toEqual({
        name,
        documented: true,
      });
      expect(text).toContain(spec.env);
      const active = parsed.values[name];
      if (active) expect({ name, value: active.text }).toEqual({ name, value: spec.fallback });
    }
  });

  test("and docs/operations.md name every setting's key and variable", () => {
    const guide = readFileSync(join(import.meta.dir, "..", "..", "docs", "operations.md"), "utf8");
    const undocumented = settingNames.filter((name) => {
      const { file, env } = specOf(name);
      return !guide.includes(`| \`${file}\` | \`${env}\` |`);
    });
    expect(undocumented).toEqual([]);
  });

  test("declares an endpoint and a source the loader accepts, once uncommented", () => {
    using dir = useTempDir();
    const text = readFileSync(examplePath, "utf8");
    const endpointPart = text.slice(text.lastIndexOf("# [[endpoints]]"));
    const uncommented = endpointPart.replace(/^# ((?:[a-z_]+ = |\[).*)$/gm, "$1");
    writeFileSync(join(dir.path, "billing.secret"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
    writeFileSync(join(dir.path, "github.secret"), "a-github-webhook-secret\n");
    const path = writeToml(dir.path, uncommented);
    const config = loadConfig({}, { config: path });
    expect(config.endpoints).toEqual([
      expect.objectContaining({
        name: "billing",
        url: "https://billing.example.com/hooks",
        eventTypes: ["invoice.*"],
        headers: { "X-Team": "billing" },
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        signing: { scheme: "standard-webhooks", options: {} },
        transform: { plugin: "jsonata", options: { expression: "{ 'text': type }" } },
      }),
    ]);
    expect(config.sources).toEqual([
      expect.objectContaining({
        name: "github",
        destinations: ["billing"],
        maxBodyBytes: 1024 * 1024,
        dedupeWindowSeconds: 86_400,
        verifier: { scheme: "github", secrets: ["a-github-webhook-secret"], options: {} },
      }),
    ]);
  });
});

function lineIsKey(text: string, line: number): boolean {
  return /^[a-z_]+ = /.test(text.split("\n")[line - 1] ?? "");
}
