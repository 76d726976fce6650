/**
 * A mapping transform on JSONata (jsonata.org), a well-kept expression language, rather than
 * one of our own. The expression sees `{ event: { id, type, createdAt, payload } }` and its
 * result is sent as JSON; an expression that yields nothing skips the delivery, so one
 * expression can both filter and reshape.
 *
 * Evaluation is bounded by JSONata's own time, depth and sequence limits, because built-ins
 * run in-process where the host's time budget can abandon a call but not stop it. A known gap:
 * a regular expression that backtracks catastrophically inside one `$match` is not
 * interruptible by those checks.
 */
import jsonata from "jsonata";
import { HookrelayError } from "../../errors/hookrelay-error.ts";
import { definePlugin, t } from "../sdk.ts";

/** Matches the host's default plugin budget, so JSONata stops when the host gives up. */
const evaluationTimeoutMs = 1000;
const maxDepth = 500;
const maxSequenceLength = 100_000;
const maxCompiled = 256;
const maxMessageChars = 200;

const compiled = new Map<string, jsonata.Expression>();

interface JsonataFailure {
  code?: unknown;
  position?: unknown;
  message?: unknown;
}

/** JSONata throws plain objects with a code (S0201, D1012, …), not Error instances. */
function describeFailure(error: unknown): string {
  const { code, position, message } = (error ?? {}) as JsonataFailure;
  const text = typeof message === "string" ? message.slice(0, maxMessageChars) : String(error);
  const where = typeof position === "number" ? ` at position ${position}` : "";
  return typeof code === "string" ? `${code}${where}: ${text}` : text;
}

function compile(expression: string): jsonata.Expression {
  const cached = compiled.get(expression);
  if (cached) return cached;
  const options = { timeout: evaluationTimeoutMs, stack: maxDepth, sequence: maxSequenceLength };
  const parsed = jsonata(expression, options);
  // Endpoints hold few distinct expressions; forgetting them all at the cap keeps this simple.
  if (compiled.size >= maxCompiled) compiled.clear();
  compiled.set(expression, parsed);
  return parsed;
}

export const jsonataTransform = definePlugin({
  kind: "transform",
  name: "jsonata",
  version: "1.0.0",
  description: "Reshapes the event with a JSONata expression and sends the result as JSON",
  options: t.Object({ expression: t.String({ minLength: 1, maxLength: 20_000 }) }),
  checkOptions({ expression }) {
    try {
      compile(expression);
      return undefined;
    } catch (error) {
      return `expression does not compile: ${describeFailure(error)}`;
    }
  },
  async transform({ event, options }) {
    const { id, type, createdAt, payload } = event;
    const input = { event: { id, type, createdAt, payload } };
    let result: unknown;
    try {
      result = await compile(options.expression).evaluate(input);
    } catch (error) {
      throw new HookrelayError("ERR_PLUGIN", `jsonata: ${describeFailure(error)}`, {
        cause: error,
      });
    }
    if (result === undefined) return { skip: true, reason: "the expression produced no value" };
    return { body: JSON.stringify(result), contentType: "application/json" };
  },
});
