/**
 * `--log-format pretty`: the same records as the JSON lines, laid out for a person at a
 * terminal: `21:04:05.123 INFO  listening url=http://127.0.0.1:8080`. A small formatter of our
 * own, because pino-pretty runs as a worker-thread transport, which the compiled binary lacks.
 */
import { writeSync } from "node:fs";
import type { DestinationStream } from "pino";

const colours: Record<string, string> = {
  trace: "\x1b[90m",
  debug: "\x1b[36m",
  info: "\x1b[32m",
  warn: "\x1b[33m",
  error: "\x1b[31m",
  fatal: "\x1b[35m",
};

export function prettyDestination(
  fd = 1,
  colour = process.stdout.isTTY === true,
): DestinationStream {
  return {
    write(line: string) {
      writeSync(fd, `${formatRecord(line, colour)}\n`);
    },
  };
}

export function formatRecord(line: string, colour = false): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trimEnd();
  }
  const { time, level, msg, ...fields } = record;
  const clock = typeof time === "string" ? time.slice(11, 23) : "";
  const label = String(level ?? "")
    .toUpperCase()
    .padEnd(5);
  const painted = colour ? `${colours[String(level)] ?? ""}${label}\x1b[0m` : label;
  const rest = Object.entries(fields).map(([key, value]) => `${key}=${formatValue(value)}`);
  return [clock, painted, String(msg ?? ""), ...rest].filter((part) => part !== "").join(" ");
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}
