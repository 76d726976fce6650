/**
 * Every plain setting of the relay, once: its key in hookrelay.toml, its HOOKRELAY_*
 * variable and its default as text (parsed like any other value, so a default can never be
 * a value the parser would refuse). Flags use the setting's name in kebab-case.
 * `reload: true` marks what SIGHUP can change without a restart.
 */
export interface SettingSpec {
  /** Dotted key in hookrelay.toml. */
  file: string;
  env: string;
  fallback: string;
  reload?: true;
  /** Printed as [redacted] in the effective configuration. */
  secret?: true;
}

export const settings = {
  host: { file: "server.host", env: "HOOKRELAY_HOST", fallback: "127.0.0.1" },
  port: { file: "server.port", env: "HOOKRELAY_PORT", fallback: "8080" },
  maxBody: { file: "server.max_body", env: "HOOKRELAY_MAX_BODY", fallback: "1MiB", reload: true },
  maxBodiesInFlight: {
    file: "server.max_bodies_in_flight",
    env: "HOOKRELAY_MAX_BODIES_IN_FLIGHT",
    fallback: "32MiB",
    reload: true,
  },
  bodyTimeout: {
    file: "server.body_timeout",
    env: "HOOKRELAY_BODY_TIMEOUT",
    fallback: "30s",
    reload: true,
  },
  shutdownGrace: {
    file: "server.shutdown_grace",
    env: "HOOKRELAY_SHUTDOWN_GRACE",
    fallback: "10s",
    reload: true,
  },
  // systemd sets STATE_DIRECTORY for a unit with StateDirectory=; see defaultDataDir().
  dataDir: { file: "data_dir", env: "HOOKRELAY_DATA_DIR", fallback: "./data" },
  databaseUrl: { file: "database_url", env: "HOOKRELAY_DATABASE_URL", fallback: "" },
  logLevel: { file: "log.level", env: "HOOKRELAY_LOG_LEVEL", fallback: "info", reload: true },
  logFormat: { file: "log.format", env: "HOOKRELAY_LOG_FORMAT", fallback: "json" },
  apiToken: { file: "auth.api_token", env: "HOOKRELAY_API_TOKEN", fallback: "", secret: true },
  jwtSecret: { file: "auth.jwt_secret", env: "HOOKRELAY_JWT_SECRET", fallback: "", secret: true },
  jwksUrl: { file: "auth.jwks_url", env: "HOOKRELAY_JWKS_URL", fallback: "" },
  jwksFile: { file: "auth.jwks_file", env: "HOOKRELAY_JWKS_FILE", fallback: "" },
  jwtIssuer: { file: "auth.jwt_issuer", env: "HOOKRELAY_JWT_ISSUER", fallback: "" },
  jwtAudience: { file: "auth.jwt_audience", env: "HOOKRELAY_JWT_AUDIENCE", fallback: "" },
  metricsPublic: {
    file: "metrics.public",
    env: "HOOKRELAY_METRICS_PUBLIC",
    fallback: "false",
    reload: true,
  },
  retrySchedule: {
    file: "retry.schedule",
    env: "HOOKRELAY_RETRY_SCHEDULE",
    fallback: "5s,5m,30m,2h,5h,10h,10h",
    reload: true,
  },
  retryJitter: {
    file: "retry.jitter",
    env: "HOOKRELAY_RETRY_JITTER",
    fallback: "0.2",
    reload: true,
  },
  retryAfterMax: {
    file: "retry.retry_after_max",
    env: "HOOKRELAY_RETRY_AFTER_MAX",
    fallback: "1h",
    reload: true,
  },
  retryClientErrors: {
    file: "retry.client_errors",
    env: "HOOKRELAY_RETRY_CLIENT_ERRORS",
    fallback: "true",
    reload: true,
  },
  attemptTimeout: {
    file: "delivery.attempt_timeout",
    env: "HOOKRELAY_ATTEMPT_TIMEOUT",
    fallback: "15s",
    reload: true,
  },
  responseBodyMax: {
    file: "delivery.response_body_max",
    env: "HOOKRELAY_RESPONSE_BODY_MAX",
    fallback: "16KiB",
    reload: true,
  },
  concurrency: {
    file: "delivery.concurrency",
    env: "HOOKRELAY_CONCURRENCY",
    fallback: "64",
    reload: true,
  },
  endpointConcurrency: {
    file: "delivery.endpoint_concurrency",
    env: "HOOKRELAY_ENDPOINT_CONCURRENCY",
    fallback: "4",
    reload: true,
  },
  secretOverlap: {
    file: "delivery.secret_overlap",
    env: "HOOKRELAY_SECRET_OVERLAP",
    fallback: "24h",
    reload: true,
  },
  retentionSucceeded: {
    file: "retention.succeeded",
    env: "HOOKRELAY_RETENTION_SUCCEEDED",
    fallback: "30d",
    reload: true,
  },
  retentionDead: {
    file: "retention.dead",
    env: "HOOKRELAY_RETENTION_DEAD",
    fallback: "90d",
    reload: true,
  },
  retentionInterval: {
    file: "retention.interval",
    env: "HOOKRELAY_RETENTION_INTERVAL",
    fallback: "1h",
    reload: true,
  },
  retentionBatchSize: {
    file: "retention.batch_size",
    env: "HOOKRELAY_RETENTION_BATCH_SIZE",
    fallback: "250",
    reload: true,
  },
  pluginsDir: { file: "plugins.dir", env: "HOOKRELAY_PLUGINS_DIR", fallback: "./plugins" },
  lenientPlugins: { file: "plugins.lenient", env: "HOOKRELAY_LENIENT_PLUGINS", fallback: "false" },
  pluginTimeout: { file: "plugins.timeout", env: "HOOKRELAY_PLUGIN_TIMEOUT", fallback: "1s" },
  allowPrivateNetworks: {
    file: "security.allow_private_networks",
    env: "HOOKRELAY_ALLOW_PRIVATE_NETWORKS",
    fallback: "",
  },
  httpsOnly: { file: "security.https_only", env: "HOOKRELAY_HTTPS_ONLY", fallback: "false" },
  secretKeys: {
    file: "security.secret_keys",
    env: "HOOKRELAY_SECRET_KEYS",
    fallback: "",
    secret: true,
  },
  secretKeyFile: {
    file: "security.secret_key_file",
    env: "HOOKRELAY_SECRET_KEY_FILE",
    fallback: "",
  },
  authFailuresPerMinute: {
    file: "security.auth_failures_per_minute",
    env: "HOOKRELAY_AUTH_FAILURES_PER_MINUTE",
    fallback: "30",
  },
  minFreeDisk: { file: "storage.min_free_disk", env: "HOOKRELAY_MIN_FREE_DISK", fallback: "64MiB" },
  breakerFailures: {
    file: "health.breaker_failures",
    env: "HOOKRELAY_BREAKER_FAILURES",
    fallback: "10",
  },
  breakerCooldown: {
    file: "health.breaker_cooldown",
    env: "HOOKRELAY_BREAKER_COOLDOWN",
    fallback: "30s",
  },
  recoveryReportAfter: {
    file: "health.recovery_report_after",
    env: "HOOKRELAY_RECOVERY_REPORT_AFTER",
    fallback: "1m",
  },
  autoDisableAfter: {
    file: "health.auto_disable_after",
    env: "HOOKRELAY_AUTO_DISABLE_AFTER",
    fallback: "5d",
  },
  operationalWebhookUrl: {
    file: "health.operational_webhook_url",
    env: "HOOKRELAY_OPERATIONAL_WEBHOOK_URL",
    fallback: "",
  },
  operationalWebhookSecret: {
    file: "health.operational_webhook_secret",
    env: "HOOKRELAY_OPERATIONAL_WEBHOOK_SECRET",
    fallback: "",
    secret: true,
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof settings;

export const settingNames = Object.keys(settings) as SettingName[];

export function specOf(name: SettingName): SettingSpec {
  return settings[name];
}

/** `retrySchedule` → `--retry-schedule`. */
export function flagOf(name: SettingName): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
