/** Entry point of `hookrelay` and of the compiled binary. */
import { buildProgram } from "./cli/program.ts";
import { HookrelayError } from "./errors/hookrelay-error.ts";

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // Expected failures (a bad setting, an unreachable database) get one clear line, not a
  // stack trace; anything else is a bug and keeps its stack.
  if (error instanceof HookrelayError) console.error(`hookrelay: ${error.message}`);
  else console.error(error);
  process.exit(error instanceof HookrelayError && error.code === "ERR_CONFIG" ? 2 : 1);
}
