/** Entry point of `hookrelay` and of the compiled binary. */
import { holdEarlySignals, releaseEarlySignals } from "./cli/early-signals.ts";

// Before anything else loads: the rest of the program takes a few hundred milliseconds.
holdEarlySignals();
const { buildProgram } = await import("./cli/program.ts");
// Only `serve` has a use for SIGHUP; any other command ends on a hangup as usual.
if (process.argv[2] !== "serve") releaseEarlySignals();
const { exitStatusOf, reportFailure } = await import("./cli/exit-status.ts");

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // Expected failures (a bad setting, an unreachable database) get one clear line, not a
  // stack trace; anything else is a bug and keeps its stack.
  reportFailure(error);
  process.exit(exitStatusOf(error));
}
