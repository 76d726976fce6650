/**
 * Settings of a running relay: defaults < hookrelay.toml (--config or HOOKRELAY_CONFIG) <
 * HOOKRELAY_* environment < command-line flags. Read once at start (and again on SIGHUP),
 * every problem reported together with where it came from, then frozen and passed down.
 * Nothing else in src/ reads the environment.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { type ConfigFileContents, readConfigFile } from "./config-file.ts";
import type { DeclaredEndpoint } from "./declared-endpoints.ts";
import type { DeclaredSource } from "./declared-sources.ts";
import { describeDedupeWindowProblem } from "../retention/retention-bounds.ts";
import { flagOf, type SettingName, settings } from "./settings.ts";
import {
  describeNetworkProblems,
  describeUrlBlockWithHint,
} from "../delivery/destination-guard.ts";
import { describeEndpointUrlProblem } from "../delivery/endpoint-url.ts";
import { readSecretKeys } from "./secret-keys.ts";
import { parseDurationMs, parseSizeBytes } from "./units.ts";

export type { SettingName } from "./settings.ts";

export interface Config {
  /** The config file read, if any. */
  configFile: string | undefined;
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string;
  apiToken: string | undefined;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  logFormat: "json" | "pretty";
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  jwksFile: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  metricsPublic: boolean;
  retryScheduleMs: number[];
  retryJitter: number;
  retryAfterMaxMs: number;
  retryClientErrors: boolean;
  attemptTimeoutMs: number;
  responseBodyMaxBytes: number;
  maxBodyBytes: number;
  /** Bytes of request bodies held at once, per pool; past it, 503 (intake/body-budget.ts). */
  maxBodiesInFlightBytes: number;
  /** How long a request body may take to arrive; past it, 408 (intake/body-deadline.ts). */
  bodyTimeoutMs: number;
  concurrency: number;
  endpointConcurrency: number;
  secretOverlapMs: number;
  shutdownGraceMs: number;
  retentionSucceededMs: number;
  retentionDeadMs: number;
  /** 0: retention never runs. */
  retentionIntervalMs: number;
  retentionBatchSize: number;
  pluginsDir: string;
  lenientPlugins: boolean;
  pluginTimeoutMs: number;
  /** CIDRs the SSRF guard lets through although they are not global (tests: 127.0.0.0/8). */
  allowedNetworks: string[];
  httpsOnly: boolean;
  /** Keys that encrypt secrets at rest, newest first (base64 of 32 bytes each). */
  secretKeys: string[];
  authFailuresPerMinute: number;
  minFreeDiskBytes: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  autoDisableAfterMs: number;
  /** A success after failing this long is reported as `endpoint.recovered`. */
  recoveryReportAfterMs: number;
  operationalWebhookUrl: string | undefined;
  operationalWebhookSecret: string | undefined;
  endpoints: readonly DeclaredEndpoint[];
  sources: readonly DeclaredSource[];
}

/** Flags as commander parses them: strings, or `true` for a switch such as --lenient-plugins. */
export type ConfigFlags = Partial<Record<SettingName, string | boolean>> & { config?: string };

export const settingDefaults = settings;

const logLevels = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
/** Settings that name a file or directory: relative to the config file when set there. */
const pathSettings = new Set<SettingName>(["dataDir", "pluginsDir", "jwksFile", "secretKeyFile"]);

export function loadConfig(
  env: Record<string, string | undefined>,
  flags: ConfigFlags = {},
): Readonly<Config> {
  const configPath = flags.config ?? env.HOOKRELAY_CONFIG;
  const file = configPath ? readConfigFile(resolve(configPath)) : undefined;
  const problems: string[] = [...(file?.problems ?? [])];
  const read = (name: SettingName) => readSetting(name, env, flags, file);
  const raw = (name: SettingName) => read(name).text;
  const where = (name: SettingName) => read(name).where;
  const path = (name: SettingName) => resolve(read(name).base, raw(name));
  const optional = (name: SettingName) => raw(name) || undefined;

  const integer = (name: SettingName, min: number, max: number): number => {
    const text = raw(name);
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      problems.push(`${where(name)}: expected an integer from ${min} to ${max}, got "${text}"`);
    }
    return value;
  };
  const duration = (name: SettingName): number => {
    const value = parseDurationMs(raw(name));
    if (value === undefined) {
      problems.push(`${where(name)}: expected a duration such as 500ms, 15s or 2h`);
    }
    return value ?? 0;
  };
  const size = (name: SettingName): number => {
    const value = parseSizeBytes(raw(name));
    if (value === undefined || value < 1) {
      problems.push(`${where(name)}: expected a size such as 16KiB or 1MiB`);
    }
    return value ?? 0;
  };
  const boolean = (name: SettingName): boolean => {
    const text = raw(name).trim().toLowerCase();
    if (!["true", "false", "1", "0"].includes(text)) {
      problems.push(`${where(name)}: expected true or false, got "${text}"`);
    }
    return text === "true" || text === "1";
  };
  const oneOf = <T extends string>(name: SettingName, allowed: readonly T[]): T => {
    const text = raw(name) as T;
    if (!allowed.includes(text)) {
      problems.push(`${where(name)}: expected one of ${allowed.join(", ")}, got "${text}"`);
    }
    return text;
  };

  const list = (name: SettingName) =>
    raw(name)
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  // An empty schedule is allowed: one attempt, then dead.
  const retryScheduleMs = list("retrySchedule").map(parseDurationMs);
  if (retryScheduleMs.some((ms) => ms === undefined) || retryScheduleMs.length > 50) {
    problems.push(
      `${where("retrySchedule")}: expected up to 50 comma-separated durations, e.g. 5s,5m,30m`,
    );
  }
  const retryJitter = Number(raw("retryJitter"));
  if (!(retryJitter >= 0 && retryJitter < 1)) {
    problems.push(`${where("retryJitter")}: expected a fraction from 0 to below 1, e.g. 0.2`);
  }

  // An empty value would resolve to the working directory itself, state files and all.
  if (raw("dataDir").trim() === "") problems.push(`${where("dataDir")}: must name a directory`);
  const dataDir = path("dataDir");
  const config: Config = {
    configFile: file?.path,
    host: raw("host"),
    port: integer("port", 0, 65535),
    dataDir,
    databaseUrl: raw("databaseUrl") || `file:${join(dataDir, "hookrelay.db")}`,
    apiToken: optional("apiToken"),
    logLevel: oneOf("logLevel", logLevels),
    logFormat: oneOf("logFormat", ["json", "pretty"] as const),
    jwtSecret: optional("jwtSecret"),
    jwksUrl: optional("jwksUrl"),
    jwksFile: raw("jwksFile") ? path("jwksFile") : undefined,
    jwtIssuer: optional("jwtIssuer"),
    jwtAudience: optional("jwtAudience"),
    metricsPublic: boolean("metricsPublic"),
    retryScheduleMs: retryScheduleMs.map((ms) => ms ?? 0),
    retryJitter,
    retryAfterMaxMs: duration("retryAfterMax"),
    retryClientErrors: boolean("retryClientErrors"),
    attemptTimeoutMs: duration("attemptTimeout"),
    responseBodyMaxBytes: size("responseBodyMax"),
    maxBodyBytes: size("maxBody"),
    maxBodiesInFlightBytes: size("maxBodiesInFlight"),
    bodyTimeoutMs: duration("bodyTimeout"),
    concurrency: integer("concurrency", 1, 10_000),
    endpointConcurrency: integer("endpointConcurrency", 1, 1_000),
    secretOverlapMs: duration("secretOverlap"),
    shutdownGraceMs: duration("shutdownGrace"),
    retentionSucceededMs: duration("retentionSucceeded"),
    retentionDeadMs: duration("retentionDead"),
    retentionIntervalMs: duration("retentionInterval"),
    retentionBatchSize: integer("retentionBatchSize", 1, 10_000),
    pluginsDir: path("pluginsDir"),
    lenientPlugins: boolean("lenientPlugins"),
    pluginTimeoutMs: duration("pluginTimeout"),
    allowedNetworks: list("allowPrivateNetworks"),
    httpsOnly: boolean("httpsOnly"),
    secretKeys: readSecretKeys(
      list("secretKeys"),
      raw("secretKeyFile") ? path("secretKeyFile") : undefined,
      problems,
    ),
    authFailuresPerMinute: integer("authFailuresPerMinute", 1, 1_000_000),
    minFreeDiskBytes: size("minFreeDisk"),
    breakerFailures: integer("breakerFailures", 1, 1_000_000),
    breakerCooldownMs: duration("breakerCooldown"),
    autoDisableAfterMs: duration("autoDisableAfter"),
    recoveryReportAfterMs: duration("recoveryReportAfter"),
    operationalWebhookUrl: optional("operationalWebhookUrl"),
    operationalWebhookSecret: optional("operationalWebhookSecret"),
    endpoints: Object.freeze(file?.endpoints ?? []),
    sources: Object.freeze(file?.sources ?? []),
  };
  for (const problem of describeNetworkProblems(config.allowedNetworks)) {
    problems.push(`${where("allowPrivateNetworks")}: ${problem}`);
  }
  if (config.operationalWebhookUrl !== undefined) {
    const url = config.operationalWebhookUrl;
    // A literal address the guard refuses would fail every notice at send time; say it now.
    const problem =
      describeEndpointUrlProblem(url) ?? describeUrlBlockWithHint(new URL(url), config);
    if (problem) problems.push(`${where("operationalWebhookUrl")}: ${problem}`);
  }
  checkRelations(config, where, problems);

  if (problems.length > 0) {
    throw new HookrelayError("ERR_CONFIG", `invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return Object.freeze(config);
}

interface ReadSetting {
  text: string;
  /** Where the value came from: a flag, a variable, a file line, or the default. */
  where: string;
  /** Directory a relative path in this value is relative to. */
  base: string;
}

function readSetting(
  name: SettingName,
  env: Record<string, string | undefined>,
  flags: ConfigFlags,
  file: ConfigFileContents | undefined,
): ReadSetting {
  const spec = settings[name];
  const flag = flags[name];
  if (flag !== undefined) return { text: String(flag), where: flagOf(name), base: "." };
  const fromEnv = env[spec.env];
  if (fromEnv !== undefined) return { text: fromEnv, where: spec.env, base: "." };
  const fromFile = file?.values[name];
  if (fromFile && file) {
    const base = pathSettings.has(name) ? file.dir : ".";
    return { text: fromFile.text, where: fromFile.where, base };
  }
  // Under systemd, StateDirectory= says where state lives (/var/lib/hookrelay).
  const fallback = name === "dataDir" ? (env.STATE_DIRECTORY?.split(":")[0] ?? "") : "";
  return { text: fallback || spec.fallback, where: spec.env, base: "." };
}

/** Rules that involve more than one setting, or a file a setting names. */
function checkRelations(
  config: Config,
  where: (name: SettingName) => string,
  problems: string[],
): void {
  if (config.apiToken !== undefined && config.apiToken.length < 16) {
    problems.push(`${where("apiToken")}: must be at least 16 characters`);
  }
  // A value that did not parse is reported once, not again as zero.
  const positive = (name: SettingName, value: number) => {
    const at = `${where(name)}:`;
    if (value < 1 && !problems.some((p) => p.startsWith(at))) problems.push(`${at} must be > 0`);
  };
  positive("attemptTimeout", config.attemptTimeoutMs);
  positive("retentionSucceeded", config.retentionSucceededMs);
  positive("retentionDead", config.retentionDeadMs);
  for (const source of config.sources) {
    const problem = describeDedupeWindowProblem(source.dedupeWindowSeconds, config);
    if (problem) problems.push(`${source.where.dedupe_window}: ${problem}`);
  }
  // RFC 7518 §3.2: an HS256 key must be at least as long as the hash, 256 bits.
  if (config.jwtSecret !== undefined && config.jwtSecret.length < 32) {
    problems.push(`${where("jwtSecret")}: must be at least 32 characters (256 bits for HS256)`);
  }
  if (config.jwksUrl !== undefined && config.jwksFile !== undefined) {
    problems.push(`${where("jwksFile")}: give a JWKS URL or a JWKS file, not both`);
  }
  if (config.jwksUrl !== undefined && !/^https?:\/\/[^/]/.test(config.jwksUrl)) {
    problems.push(`${where("jwksUrl")}: expected an https:// (or http://) URL`);
  }
  if (config.jwksFile !== undefined && config.jwksUrl === undefined) {
    const problem = describeJwksFileProblem(config.jwksFile);
    if (problem) problems.push(`${where("jwksFile")}: ${problem}`);
  }
}

function describeJwksFileProblem(path: string): string | undefined {
  try {
    const jwks = JSON.parse(readFileSync(path, "utf8")) as { keys?: unknown };
    return Array.isArray(jwks.keys) ? undefined : 'expected a JWKS document: {"keys": [...]}';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `cannot read ${path} (${code})` : `${path} is not JSON`;
  }
}
