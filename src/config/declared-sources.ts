/**
 * Inbound sources declared in hookrelay.toml (`[[sources]]`). A source's destinations name
 * endpoints declared in the same file (or give an `ep_…` id), so a team's whole inbound
 * path, provider to internal service, lives in one reviewed file. This file checks the
 * shape; the verifier and its secrets are checked against the plugins when applied.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseDurationMs, parseSizeBytes } from "./units.ts";
import { endpointNameRule } from "./declared-endpoints.ts";
import { isTable } from "./toml-lines.ts";

export interface DeclaredSource {
  name: string;
  verifier: { scheme: string; secrets: string[]; options: Record<string, unknown> };
  /** Names of declared endpoints, or endpoint ids (`ep_…`). */
  destinations: string[];
  forwardHeaders: string[];
  response: { status: number; body?: string; contentType?: string } | null;
  maxBodyBytes: number | undefined;
  dedupeWindowSeconds: number | undefined;
  /** `hookrelay.toml:30: sources[0].verifier`, by key, for problems found later. */
  where: Record<string, string>;
}

const knownKeys = [
  "name",
  "verifier",
  "destinations",
  "forward_headers",
  "response",
  "max_body",
  "dedupe_window",
];

interface Reader {
  dir: string;
  problems: string[];
}

type Where = (keyPath: (string | number)[]) => string;

export function readDeclaredSources(value: unknown, file: Reader, where: Where) {
  if (!Array.isArray(value) || !value.every(isTable)) {
    file.problems.push(`${where(["sources"])}: expected [[sources]] tables`);
    return [];
  }
  const seen = new Set<string>();
  const sources: DeclaredSource[] = [];
  value.forEach((table, index) => {
    const source = readSource(table, index, file, where);
    if (!source) return;
    if (seen.has(source.name)) {
      file.problems.push(`${source.where.name}: another source has the name "${source.name}"`);
      return;
    }
    seen.add(source.name);
    sources.push(source);
  });
  return sources;
}

function readSource(
  table: Record<string, unknown>,
  index: number,
  file: Reader,
  where: Where,
): DeclaredSource | undefined {
  const at = (key: string) => where(["sources", index, key]);
  const before = file.problems.length;
  const problem = (key: string, message: string) => file.problems.push(`${at(key)}: ${message}`);
  for (const key of Object.keys(table)) {
    if (!knownKeys.includes(key)) problem(key, `unknown key (known: ${knownKeys.join(", ")})`);
  }
  const name = typeof table.name === "string" ? table.name : "";
  if (!endpointNameRule.test(name)) {
    problem("name", "is required: 1-64 of a-z 0-9 _ - (the ingest URL is /in/<name>)");
  }
  const strings = (key: string): string[] => {
    const list = table[key] ?? [];
    if (Array.isArray(list) && list.every((item) => typeof item === "string")) return list;
    problem(key, "must be a list of strings");
    return [];
  };
  const destinations = strings("destinations");
  const forwardHeaders = strings("forward_headers");
  const nested = (table: string) => (key: string, message: string) =>
    file.problems.push(`${where(["sources", index, table, key])}: ${message}`);
  const verifier = readVerifier(
    table.verifier,
    file,
    (m) => problem("verifier", m),
    nested("verifier"),
  );
  const response = readResponse(table.response, (m) => problem("response", m), nested("response"));
  const maxBody = optionalText(table.max_body, (m) => problem("max_body", m));
  const maxBodyBytes = maxBody === undefined ? undefined : parseSizeBytes(maxBody);
  if (maxBody !== undefined && !maxBodyBytes) problem("max_body", "expected a size such as 1MiB");
  const window = optionalText(table.dedupe_window, (m) => problem("dedupe_window", m));
  const windowMs = window === undefined ? undefined : parseDurationMs(window);
  if (window !== undefined && windowMs === undefined) {
    problem("dedupe_window", "expected a duration such as 24h");
  }
  if (file.problems.length > before || !verifier) return undefined;
  return {
    name,
    verifier,
    destinations,
    forwardHeaders,
    response,
    maxBodyBytes,
    dedupeWindowSeconds: windowMs === undefined ? undefined : Math.round(windowMs / 1000),
    where: Object.fromEntries(
      [...knownKeys, "verifier.secrets", "verifier.options"].map((key) => [
        key,
        where(["sources", index, ...key.split(".")]),
      ]),
    ),
  };
}

const verifierKeys = ["scheme", "secrets", "secret_files", "options"];
const responseKeys = ["status", "body", "content_type"];

type UnknownKey = (key: string, message: string) => void;

/** Every key of a nested table the relay does not know, each on its own line. */
function reportUnknownKeys(table: Record<string, unknown>, known: string[], report: UnknownKey) {
  for (const key of Object.keys(table)) {
    if (!known.includes(key)) report(key, `unknown key (known: ${known.join(", ")})`);
  }
}

function readVerifier(
  value: unknown,
  file: Reader,
  problem: (message: string) => void,
  unknownKey: UnknownKey,
) {
  if (!isTable(value) || typeof value.scheme !== "string") {
    problem('must be a table with a scheme, e.g. { scheme = "github", secret_files = [...] }');
    return undefined;
  }
  reportUnknownKeys(value, verifierKeys, unknownKey);
  const secrets = value.secrets ?? [];
  const files = value.secret_files ?? [];
  const options = value.options ?? {};
  if (!Array.isArray(secrets) || !secrets.every((s) => typeof s === "string")) {
    problem("secrets must be a list of strings");
    return undefined;
  }
  if (!Array.isArray(files) || !files.every((s) => typeof s === "string")) {
    problem("secret_files must be a list of paths");
    return undefined;
  }
  if (!isTable(options)) {
    problem("options must be a table");
    return undefined;
  }
  const fromFiles: string[] = [];
  for (const path of files) {
    try {
      fromFiles.push(readFileSync(resolve(file.dir, path), "utf8").trim());
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
      problem(`cannot read ${path} (${reason})`);
    }
  }
  return { scheme: value.scheme, secrets: [...secrets, ...fromFiles], options };
}

function readResponse(value: unknown, problem: (message: string) => void, unknownKey: UnknownKey) {
  if (value === undefined) return null;
  if (isTable(value)) reportUnknownKeys(value, responseKeys, unknownKey);
  if (!isTable(value) || typeof value.status !== "number") {
    problem('must be a table with a status, e.g. { status = 200, body = "ok" }');
    return null;
  }
  const { status, body, content_type: contentType } = value;
  if (
    (body !== undefined && typeof body !== "string") ||
    (contentType !== undefined && typeof contentType !== "string")
  ) {
    problem("body and content_type must be strings");
  }
  return {
    status,
    ...(typeof body === "string" ? { body } : {}),
    ...(typeof contentType === "string" ? { contentType } : {}),
  };
}

function optionalText(value: unknown, problem: (message: string) => void): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" || typeof value === "number") return String(value);
  problem('must be a value such as "1MiB" or "24h"');
  return undefined;
}
