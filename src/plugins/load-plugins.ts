/**
 * Discovery: every `*.ts` / `*.js` file in the plugins directory is imported at start and
 * validated. Broken plugins stop start-up with one message per file, or, when the operator
 * asked for leniency, are skipped with an error log line each.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import type { Logger } from "../observability/logger.ts";
import { registerHostModules } from "./host-modules.ts";
import { describeShapeProblems } from "./plugin-shape.ts";
import type { Plugin } from "./sdk.ts";

export interface LoadedPlugin {
  plugin: Plugin;
  /** Absolute path of a user plugin; undefined for a built-in. */
  file: string | undefined;
}

export interface LoadOptions {
  lenient: boolean;
  log: Logger;
  /** `kind:name` pairs already taken (the built-ins). */
  takenNames: Set<string>;
}

export function listPluginFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.(ts|js|mjs)$/.test(name) && !/\.(d|test|spec)\.[a-z]+$/.test(name))
    .sort()
    .map((name) => resolve(join(dir, name)));
}

export async function loadPluginFiles(
  files: string[],
  options: LoadOptions,
): Promise<LoadedPlugin[]> {
  registerHostModules();
  const loaded: LoadedPlugin[] = [];
  const problems: string[] = [];
  const names = new Set(options.takenNames);
  for (const file of files) {
    const result = await importPlugin(file);
    if (typeof result === "string") {
      problems.push(`${file}: ${result}`);
      continue;
    }
    const id = `${result.kind}:${result.name}`;
    if (names.has(id)) {
      problems.push(`${file}: a ${result.kind} named "${result.name}" is already loaded`);
      continue;
    }
    names.add(id);
    loaded.push({ plugin: result, file });
  }
  if (problems.length > 0 && !options.lenient) {
    throw new HookrelayError(
      "ERR_PLUGIN_LOAD",
      `cannot load plugins (start with --lenient-plugins to skip broken ones):\n  ${problems.join("\n  ")}`,
    );
  }
  for (const problem of problems) options.log.error({ problem }, "skipped a broken plugin");
  return loaded;
}

/** The plugin, or a message saying why the file is not one. */
async function importPlugin(file: string): Promise<Plugin | string> {
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `failed to import: ${message.split("\n")[0]}`;
  }
  const problems = describeShapeProblems(module.default);
  if (problems.length > 0) return problems.join("; ");
  return module.default as Plugin;
}
