/**
 * Reads hookrelay.toml: the plain settings as text (the same parsers then read them as read
 * the environment), the declared endpoints, and every problem with its line. Relative paths
 * in the file are relative to the file, not to wherever the relay was started from.
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { parse, TomlError } from "smol-toml";
import { type DeclaredEndpoint, readDeclaredEndpoints } from "./declared-endpoints.ts";
import { type DeclaredSource, readDeclaredSources } from "./declared-sources.ts";
import { type SettingName, settingNames, specOf } from "./settings.ts";
import { formatKey, isTable, TomlKeyLines } from "./toml-lines.ts";

export interface FileValue {
  text: string;
  /** `hookrelay.toml:12: delivery.attempt_timeout`, for messages. */
  where: string;
}

export interface ConfigFileContents {
  path: string;
  /** The directory relative paths in the file are resolved against. */
  dir: string;
  values: Partial<Record<SettingName, FileValue>>;
  endpoints: DeclaredEndpoint[];
  sources: DeclaredSource[];
  problems: string[];
}

/** Settings whose value may be a TOML array, read as a comma-separated list. */
const listSettings = new Set<SettingName>(["retrySchedule", "allowPrivateNetworks", "secretKeys"]);
const byFileKey = new Map(settingNames.map((name) => [specOf(name).file, name]));
const knownTables = new Set(
  settingNames.flatMap((name) => {
    const parts = specOf(name).file.split(".");
    return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("."));
  }),
);

export function readConfigFile(path: string): ConfigFileContents {
  const contents: ConfigFileContents = {
    path,
    dir: dirname(path),
    values: {},
    endpoints: [],
    sources: [],
    problems: [],
  };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    contents.problems.push(`${path}: cannot read the config file (${reason})`);
    return contents;
  }
  let table: Record<string, unknown>;
  try {
    // smol-toml builds tables without a prototype; Drizzle's insert inspects a value's
    // prototype and threw on them (a declared endpoint's `headers`). A structured clone makes
    // every table a plain object and keeps dates as dates.
    table = structuredClone(parse(text)) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const message = error.message.split("\n")[0] ?? "invalid TOML";
    contents.problems.push(`${path}:${error.line}:${error.column}: ${message}`);
    return contents;
  }
  const lines = new TomlKeyLines(text);
  const where = (keyPath: (string | number)[]) => {
    const line = lines.lineOf(keyPath);
    return `${path}${line === undefined ? "" : `:${line}`}: ${formatKey(keyPath)}`;
  };
  readTable(table, [], contents, where);
  return contents;
}

function readTable(
  table: Record<string, unknown>,
  prefix: string[],
  contents: ConfigFileContents,
  where: (keyPath: (string | number)[]) => string,
): void {
  for (const [key, value] of Object.entries(table)) {
    const path = [...prefix, key];
    const dotted = path.join(".");
    const setting = byFileKey.get(dotted);
    if (setting) {
      const text = valueText(value, listSettings.has(setting));
      if (text === undefined) {
        contents.problems.push(`${where(path)}: expected ${describeExpected(setting)}`);
      } else contents.values[setting] = { text, where: where(path) };
    } else if (dotted === "endpoints") {
      contents.endpoints = readDeclaredEndpoints(value, contents, where);
    } else if (dotted === "sources") {
      contents.sources = readDeclaredSources(value, contents, where);
    } else if (knownTables.has(dotted) && isTable(value)) {
      readTable(value, path, contents, where);
    } else {
      const hint = suggestKey(dotted);
      contents.problems.push(
        `${where(path)}: unknown key${hint ? ` (did you mean ${hint}?)` : ""}`,
      );
    }
  }
}

function valueText(value: unknown, isList: boolean): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (isList && Array.isArray(value) && value.every((v) => typeof v === "string")) {
    return value.join(",");
  }
  return undefined;
}

function describeExpected(name: SettingName): string {
  if (name === "retrySchedule") return 'a list of durations such as ["5s", "5m"]';
  if (listSettings.has(name)) return 'a list of strings such as ["10.0.0.0/8"]';
  return `a single value such as ${JSON.stringify(specOf(name).fallback || "text")}`;
}

/** The known key nearest to a misspelt one, if it is close enough to be a typo. */
function suggestKey(key: string): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const name of settingNames) {
    const candidate = specOf(name).file;
    const distance = editDistance(key, candidate);
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
