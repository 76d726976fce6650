/**
 * Checks that a module's default export is a plugin hookrelay can use, and says precisely what
 * is wrong when it is not: these messages are what an author sees at start-up.
 */
import type { Plugin, PluginKind } from "./sdk.ts";

const kinds: Record<PluginKind, string[]> = {
  signer: ["sign"],
  verifier: ["verify"],
  transform: ["transform"],
};
const nameRule = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const versionRule = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;

/** Problems with the shape, empty when `value` is a usable plugin. */
export function describeShapeProblems(value: unknown): string[] {
  if (value === null || typeof value !== "object") {
    return ["the default export must be definePlugin({...}), an object"];
  }
  const plugin = value as Record<string, unknown>;
  const problems: string[] = [];
  const kind = plugin.kind as PluginKind;
  if (!(kind in kinds)) problems.push(`kind must be signer, verifier or transform`);
  if (typeof plugin.name !== "string" || !nameRule.test(plugin.name)) {
    problems.push("name must be 1-64 of a-z 0-9 . _ - (starting with a letter or digit)");
  }
  if (typeof plugin.version !== "string" || !versionRule.test(plugin.version)) {
    problems.push('version must be semver, e.g. "1.0.0"');
  }
  for (const method of kinds[kind] ?? []) {
    if (typeof plugin[method] !== "function") problems.push(`a ${kind} needs a ${method}() method`);
  }
  const options = plugin.options as Record<string, unknown> | undefined;
  if (options !== undefined && (typeof options !== "object" || options?.type !== "object")) {
    problems.push("options must be an object schema: t.Object({...})");
  }
  return problems;
}

export function isPlugin(value: unknown): value is Plugin {
  return describeShapeProblems(value).length === 0;
}
