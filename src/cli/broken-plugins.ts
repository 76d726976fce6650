/**
 * Plugin loading for the commands other than `serve`. The loader refuses a broken plugin with
 * "start with --lenient-plugins", a flag only `serve` has; these commands load leniently into
 * a log that keeps the problems, then refuse (or report) with advice that fits them.
 */
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { createLogger, type Logger } from "../observability/logger.ts";

export interface BrokenPlugins {
  /** For the loader, called with `lenient: true`. */
  log: Logger;
  /** `<file>: what is wrong`, one per broken file. */
  problems: string[];
}

/** Advice for a command that loads the plugins directory as a relay would. */
export const lenientAdvice =
  "a relay would not start with them either; fix or remove them, or skip them with " +
  "HOOKRELAY_LENIENT_PLUGINS=true";

export function collectBrokenPlugins(): BrokenPlugins {
  const problems: string[] = [];
  const log = createLogger("warn", {
    write(line: string) {
      const record = JSON.parse(line) as { msg?: unknown; problem?: unknown };
      // The record the loader writes per skipped file, as docs/plugins.md documents it.
      if (record.msg === "skipped a broken plugin" && typeof record.problem === "string") {
        problems.push(record.problem);
      } else process.stdout.write(line);
    },
  });
  return { log, problems };
}

export function brokenPluginsError(problems: string[], advice: string): HookrelayError {
  const list = problems.join("\n  ");
  return new HookrelayError("ERR_PLUGIN_LOAD", `cannot load plugins (${advice}):\n  ${list}`);
}

/** With HOOKRELAY_LENIENT_PLUGINS set, the command goes on, but says what it skipped. */
export function reportSkippedPlugins(problems: string[]): void {
  for (const problem of problems) console.error(`hookrelay: skipped a broken plugin: ${problem}`);
}
