/**
 * Settings of a running relay: defaults < HOOKRELAY_* environment < command-line flags.
 * Read once at start, every problem reported together, then frozen and passed down. Nothing
 * else in src/ reads the environment.
 */
import { join, resolve } from "node:path";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { describeNetworkProblems } from "../delivery/destination-guard.ts";
import { parseDurationMs, parseSizeBytes } from "./units.ts";

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string;
  apiToken: string | undefined;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  retryScheduleMs: number[];
  retryJitter: number;
  retryAfterMaxMs: number;
  retryClientErrors: boolean;
  attemptTimeoutMs: number;
  responseBodyMaxBytes: number;
  maxBodyBytes: number;
  concurrency: number;
  endpointConcurrency: number;
  secretOverlapMs: number;
  shutdownGraceMs: number;
  pluginsDir: string;
  lenientPlugins: boolean;
  pluginTimeoutMs: number;
  /** CIDRs the SSRF guard lets through although they are not global (tests: 127.0.0.0/8). */
  allowedNetworks: string[];
  httpsOnly: boolean;
}

/** Where each setting comes from: its flag name, environment variable and default text. */
const settings = {
  host: { env: "HOOKRELAY_HOST", fallback: "127.0.0.1" },
  port: { env: "HOOKRELAY_PORT", fallback: "8080" },
  dataDir: { env: "HOOKRELAY_DATA_DIR", fallback: "./data" },
  databaseUrl: { env: "HOOKRELAY_DATABASE_URL", fallback: "" },
  apiToken: { env: "HOOKRELAY_API_TOKEN", fallback: "" },
  logLevel: { env: "HOOKRELAY_LOG_LEVEL", fallback: "info" },
  retrySchedule: { env: "HOOKRELAY_RETRY_SCHEDULE", fallback: "5s,5m,30m,2h,5h,10h,10h" },
  retryJitter: { env: "HOOKRELAY_RETRY_JITTER", fallback: "0.2" },
  retryAfterMax: { env: "HOOKRELAY_RETRY_AFTER_MAX", fallback: "1h" },
  retryClientErrors: { env: "HOOKRELAY_RETRY_CLIENT_ERRORS", fallback: "true" },
  attemptTimeout: { env: "HOOKRELAY_ATTEMPT_TIMEOUT", fallback: "15s" },
  responseBodyMax: { env: "HOOKRELAY_RESPONSE_BODY_MAX", fallback: "16KiB" },
  maxBody: { env: "HOOKRELAY_MAX_BODY", fallback: "1MiB" },
  concurrency: { env: "HOOKRELAY_CONCURRENCY", fallback: "64" },
  endpointConcurrency: { env: "HOOKRELAY_ENDPOINT_CONCURRENCY", fallback: "4" },
  secretOverlap: { env: "HOOKRELAY_SECRET_OVERLAP", fallback: "24h" },
  shutdownGrace: { env: "HOOKRELAY_SHUTDOWN_GRACE", fallback: "10s" },
  pluginsDir: { env: "HOOKRELAY_PLUGINS_DIR", fallback: "./plugins" },
  lenientPlugins: { env: "HOOKRELAY_LENIENT_PLUGINS", fallback: "false" },
  pluginTimeout: { env: "HOOKRELAY_PLUGIN_TIMEOUT", fallback: "1s" },
  allowPrivateNetworks: { env: "HOOKRELAY_ALLOW_PRIVATE_NETWORKS", fallback: "" },
  httpsOnly: { env: "HOOKRELAY_HTTPS_ONLY", fallback: "false" },
} as const;

export type SettingName = keyof typeof settings;
/** Flags as commander parses them: strings, or `true` for a switch such as --lenient-plugins. */
export type ConfigFlags = Partial<Record<SettingName, string | boolean>>;

export const settingDefaults = settings;

const logLevels = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

export function loadConfig(
  env: Record<string, string | undefined>,
  flags: ConfigFlags = {},
): Readonly<Config> {
  const problems: string[] = [];
  const raw = (name: SettingName): string => {
    const setting = settings[name];
    const flag = flags[name];
    return flag !== undefined ? String(flag) : (env[setting.env] ?? setting.fallback);
  };
  const where = (name: SettingName) =>
    flags[name] !== undefined ? `--${kebab(name)}` : settings[name].env;

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

  // An empty schedule is allowed: one attempt, then dead.
  const scheduleText = raw("retrySchedule").trim();
  const retryScheduleMs = scheduleText === "" ? [] : scheduleText.split(",").map(parseDurationMs);
  if (retryScheduleMs.some((ms) => ms === undefined) || retryScheduleMs.length > 50) {
    problems.push(
      `${where("retrySchedule")}: expected up to 50 comma-separated durations, e.g. 5s,5m,30m`,
    );
  }
  const retryJitter = Number(raw("retryJitter"));
  if (!(retryJitter >= 0 && retryJitter < 1)) {
    problems.push(`${where("retryJitter")}: expected a fraction from 0 to below 1, e.g. 0.2`);
  }
  const logLevel = raw("logLevel") as Config["logLevel"];
  if (!logLevels.includes(logLevel)) {
    problems.push(`${where("logLevel")}: expected one of ${logLevels.join(", ")}`);
  }

  const allowedNetworks = raw("allowPrivateNetworks")
    .split(",")
    .map((cidr) => cidr.trim())
    .filter((cidr) => cidr !== "");
  for (const problem of describeNetworkProblems(allowedNetworks)) {
    problems.push(`${where("allowPrivateNetworks")}: ${problem}`);
  }

  const dataDir = resolve(raw("dataDir"));
  const config: Config = {
    host: raw("host"),
    port: integer("port", 0, 65535),
    dataDir,
    databaseUrl: raw("databaseUrl") || `file:${join(dataDir, "hookrelay.db")}`,
    apiToken: raw("apiToken") || undefined,
    logLevel,
    retryScheduleMs: retryScheduleMs.map((ms) => ms ?? 0),
    retryJitter,
    retryAfterMaxMs: duration("retryAfterMax"),
    retryClientErrors: boolean("retryClientErrors"),
    attemptTimeoutMs: duration("attemptTimeout"),
    responseBodyMaxBytes: size("responseBodyMax"),
    maxBodyBytes: size("maxBody"),
    concurrency: integer("concurrency", 1, 10_000),
    endpointConcurrency: integer("endpointConcurrency", 1, 1_000),
    secretOverlapMs: duration("secretOverlap"),
    shutdownGraceMs: duration("shutdownGrace"),
    pluginsDir: resolve(raw("pluginsDir")),
    lenientPlugins: boolean("lenientPlugins"),
    pluginTimeoutMs: duration("pluginTimeout"),
    allowedNetworks,
    httpsOnly: boolean("httpsOnly"),
  };
  if (config.apiToken !== undefined && config.apiToken.length < 16) {
    problems.push(`${where("apiToken")}: must be at least 16 characters`);
  }
  if (config.attemptTimeoutMs < 1) problems.push(`${where("attemptTimeout")}: must be > 0`);

  if (problems.length > 0) {
    throw new HookrelayError("ERR_CONFIG", `invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return Object.freeze(config);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
