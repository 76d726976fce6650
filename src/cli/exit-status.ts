/**
 * How a command that failed ends. The exit statuses (docs/operations.md, "Exit status"):
 * 0 done; 1 the command ran and failed (an error answer from the relay, a signature that does
 * not verify, a failing plugin fixture, a broken plugin, an unreachable database); 2 it did
 * not run as given: a usage error (commander's own, such as a missing required option, or an
 * argument value a command refuses) or a configuration problem (a data directory or database
 * URL that cannot be used, src/db/database-location.ts). A script can so tell "the
 * signature is bad" from "I called it wrong".
 */
import { CommanderError } from "commander";
import { HookrelayError } from "../errors/hookrelay-error.ts";

export const usageExitStatus = 2;

/** One clear line on stderr for an expected failure; anything else is a bug and keeps its stack. */
export function reportFailure(error: unknown): void {
  // Commander has printed its own message (and the help) before it threw.
  if (error instanceof CommanderError) return;
  if (error instanceof HookrelayError) console.error(`hookrelay: ${error.message}`);
  else console.error(error);
}

export function exitStatusOf(error: unknown): number {
  // --help and --version end through the same path, with exit code 0.
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : usageExitStatus;
  if (
    error instanceof HookrelayError &&
    (error.code === "ERR_CONFIG" || error.code === "ERR_USAGE")
  )
    return usageExitStatus;
  return 1;
}
