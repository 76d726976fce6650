/** Parsers for repeatable and structured command-line values, shared by the commands. */
import { readFileSync } from "node:fs";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { parseDurationMs } from "../config/units.ts";

/** For a repeatable option: `--event-type a --event-type b` → ["a", "b"]. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A value on the command line that the command cannot use: a usage error, exit status 2. */
export function invalidArgument(message: string): HookrelayError {
  return new HookrelayError("ERR_USAGE", `invalid argument: ${message}`);
}

/** `["X-Team: billing"]` → `{ "X-Team": "billing" }`. */
export function parseHeaders(values: string[] | undefined, flag = "--header") {
  const headers: Record<string, string> = {};
  for (const value of values ?? []) {
    const colon = value.indexOf(":");
    if (colon < 1) throw invalidArgument(`${flag}: expected "Name: value", got "${value}"`);
    headers[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
  }
  return headers;
}

/** `["tolerance=300", "prefix=sha256="]` → options; a value that is JSON is read as JSON. */
export function parseOptions(values: string[] | undefined): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const value of values ?? []) {
    const equals = value.indexOf("=");
    if (equals < 1) throw invalidArgument(`--option: expected key=value, got "${value}"`);
    const text = value.slice(equals + 1);
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Plain text, as typed.
    }
    options[value.slice(0, equals)] = parsed;
  }
  return options;
}

export function parseJsonArgument(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidArgument(`${flag}: expected JSON`);
  }
}

/** A file's contents, or stdin's for "-". */
export function readInput(path: string): Buffer {
  try {
    return readFileSync(path === "-" ? 0 : path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw invalidArgument(`cannot read ${path} (${code})`);
  }
}

export function parseCount(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw invalidArgument(`${flag}: expected a count, got "${text}"`);
  return Number(text);
}

export function parseDurationSeconds(text: string | undefined, flag: string) {
  if (text === undefined) return undefined;
  const ms = parseDurationMs(text);
  if (ms === undefined) throw invalidArgument(`${flag}: expected a duration such as 1h`);
  return Math.round(ms / 1000);
}

/** An ISO time or a duration back from now (`2h` = two hours ago). */
export function parseSince(text: string | undefined, flag: string): string | undefined {
  if (text === undefined) return undefined;
  const ms = parseDurationMs(text);
  if (ms !== undefined) return new Date(Date.now() - ms).toISOString();
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw invalidArgument(`${flag}: expected an ISO time or a duration such as 2h`);
  return new Date(time).toISOString();
}
