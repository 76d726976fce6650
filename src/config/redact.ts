/**
 * Secrets out of what gets printed. By name: the settings marked secret, endpoint secrets and
 * a database URL's authToken. By type: hookrelay's secrets carry a prefix (`whsec_`, `whsk_`
 * signing keys, `hr_` API tokens) and JWTs a recognisable shape, so a value of that shape is
 * redacted wherever it turns up in a log record, whatever the field is called.
 */
import type { Config } from "./config.ts";
import { type SettingName, settingNames, specOf } from "./settings.ts";

export const redacted = "[redacted]";

const secretShapes = [
  /\b(whsec|whsk|hr)_[A-Za-z0-9+/=_-]{8,}/g,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
];

/** Replaces every secret-shaped part of a string. */
export function redactSecretText(text: string): string {
  let out = text;
  for (const shape of secretShapes) out = out.replace(shape, redacted);
  return out;
}

/** A copy with secret-shaped strings redacted, a few levels deep (log records are shallow). */
export function redactSecretValues(value: unknown, depth = 3): unknown {
  if (typeof value === "string") return redactSecretText(value);
  if (depth === 0 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecretValues(item, depth - 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = redactSecretValues(item, depth - 1);
  return out;
}

export function redactDatabaseUrl(url: string): string {
  return url.replace(/(authToken=)[^&]+/i, `$1${redacted}`);
}

/** The effective configuration as logged at start: every secret setting redacted. */
export function describeConfig(config: Readonly<Config>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const name of settingNames.filter((n) => specOf(n).secret)) {
    const field = name as SettingName & keyof Config;
    const value = out[field];
    if (Array.isArray(value)) out[field] = value.map(() => redacted);
    else if (value !== undefined && value !== "") out[field] = redacted;
  }
  out.databaseUrl = redactDatabaseUrl(config.databaseUrl);
  out.endpoints = config.endpoints.map(({ where: _where, secret, ...endpoint }) => ({
    ...endpoint,
    secret: secret === undefined ? undefined : redacted,
  }));
  out.sources = config.sources.map(({ where: _where, verifier, ...source }) => ({
    ...source,
    verifier: { ...verifier, secrets: verifier.secrets.map(() => redacted) },
  }));
  return out;
}
