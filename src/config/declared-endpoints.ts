/**
 * Endpoints declared in hookrelay.toml (`[[endpoints]]`), for teams that keep their relay's
 * configuration in git. This file checks their shape; what needs the plugin registry (a
 * signing scheme's options, a secret's format) is checked when they are applied, with the
 * same line numbers.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { formatKey, isTable } from "./toml-lines.ts";

export interface DeclaredEndpoint {
  /** Stable key in the file; the managed endpoint is found again by it. */
  name: string;
  url: string;
  description: string;
  eventTypes: string[];
  headers: Record<string, string>;
  enabled: boolean;
  signing: { scheme: string; options: Record<string, unknown> } | undefined;
  transform: { plugin: string; options: Record<string, unknown> } | null;
  /** Absent: generated once when the endpoint is created, then kept. */
  secret: string | undefined;
  /** `hookrelay.toml:14: endpoints[0].url`, by key, for problems found later. */
  where: Record<string, string>;
}

export const endpointNameRule = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const knownKeys = [
  "name",
  "url",
  "description",
  "event_types",
  "headers",
  "enabled",
  "secret",
  "secret_file",
  "signing",
  "transform",
];

interface Reader {
  dir: string;
  problems: string[];
}

type Where = (keyPath: (string | number)[]) => string;

export function readDeclaredEndpoints(value: unknown, file: Reader, where: Where) {
  if (!Array.isArray(value) || !value.every(isTable)) {
    file.problems.push(`${where(["endpoints"])}: expected [[endpoints]] tables`);
    return [];
  }
  const seen = new Set<string>();
  const endpoints: DeclaredEndpoint[] = [];
  value.forEach((table, index) => {
    const endpoint = readEndpoint(table, index, file, where);
    if (!endpoint) return;
    if (seen.has(endpoint.name)) {
      file.problems.push(
        `${endpoint.where.name}: another endpoint has the name "${endpoint.name}"`,
      );
      return;
    }
    seen.add(endpoint.name);
    endpoints.push(endpoint);
  });
  return endpoints;
}

function readEndpoint(
  table: Record<string, unknown>,
  index: number,
  file: Reader,
  where: Where,
): DeclaredEndpoint | undefined {
  const at = (key: string) => where(["endpoints", index, key]);
  const before = file.problems.length;
  const problem = (key: string, message: string) => file.problems.push(`${at(key)}: ${message}`);
  for (const key of Object.keys(table)) {
    if (!knownKeys.includes(key)) problem(key, `unknown key (known: ${knownKeys.join(", ")})`);
  }
  const text = (key: string, fallback?: string): string => {
    const found = table[key] ?? fallback;
    if (typeof found === "string") return found;
    problem(key, found === undefined ? "is required" : "must be a string");
    return "";
  };
  const name = text("name");
  const url = text("url");
  const description = text("description", "");
  if (name && !endpointNameRule.test(name)) {
    problem("name", "must be 1-64 of a-z 0-9 _ - (starting with a letter or digit)");
  }
  const eventTypes = table.event_types ?? [];
  if (!Array.isArray(eventTypes) || !eventTypes.every((t) => typeof t === "string")) {
    problem("event_types", 'must be a list of strings such as ["invoice.*"]');
  }
  const headers = table.headers ?? {};
  if (!isTable(headers) || !Object.values(headers).every((v) => typeof v === "string")) {
    problem("headers", 'must be a table of strings such as { "X-Team" = "billing" }');
  }
  const enabled = table.enabled ?? true;
  if (typeof enabled !== "boolean") problem("enabled", "must be true or false");
  const secret = readSecret(table, file, problem);
  const signing = readChoice(table.signing, "scheme", (message) => problem("signing", message));
  const transform = readChoice(table.transform, "plugin", (m) => problem("transform", m));
  if (file.problems.length > before) return undefined;
  return {
    name,
    url,
    description,
    eventTypes: eventTypes as string[],
    headers: headers as Record<string, string>,
    enabled: enabled as boolean,
    signing: signing && { scheme: signing.name, options: signing.options },
    transform: transform ? { plugin: transform.name, options: transform.options } : null,
    secret,
    where: Object.fromEntries(
      [...knownKeys, "signing.options", "transform.options"].map((key) => [
        key,
        where(["endpoints", index, ...key.split(".")]),
      ]),
    ),
  };
}

function readSecret(
  table: Record<string, unknown>,
  file: Reader,
  problem: (key: string, message: string) => void,
): string | undefined {
  if (table.secret !== undefined && table.secret_file !== undefined) {
    problem("secret_file", "give secret or secret_file, not both");
    return undefined;
  }
  if (table.secret !== undefined) {
    if (typeof table.secret === "string") return table.secret;
    problem("secret", "must be a string");
    return undefined;
  }
  if (table.secret_file === undefined) return undefined;
  if (typeof table.secret_file !== "string") {
    problem("secret_file", "must be a path");
    return undefined;
  }
  try {
    return readFileSync(resolve(file.dir, table.secret_file), "utf8").trim();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    problem("secret_file", `cannot read ${table.secret_file} (${reason})`);
    return undefined;
  }
}

function readChoice(
  value: unknown,
  nameKey: "scheme" | "plugin",
  problem: (message: string) => void,
): { name: string; options: Record<string, unknown> } | undefined {
  if (value === undefined) return undefined;
  if (!isTable(value) || typeof value[nameKey] !== "string") {
    problem(`must be a table with a ${nameKey} name, e.g. { ${nameKey} = "…" }`);
    return undefined;
  }
  const extra = Object.keys(value).filter((key) => key !== nameKey && key !== "options");
  if (extra.length > 0) problem(`unknown key ${formatKey([extra[0] ?? ""])}`);
  const options = value.options ?? {};
  if (!isTable(options)) {
    problem("options must be a table");
    return undefined;
  }
  return { name: value[nameKey] as string, options };
}
