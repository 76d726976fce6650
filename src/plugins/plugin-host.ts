/**
 * Builds the plugin registry a relay runs with: the built-ins, plus every plugin file in the
 * configured directory, whose calls run in the worker sandbox.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Logger } from "../observability/logger.ts";
import { builtinPlugins } from "./builtin/index.ts";
import { listPluginFiles, loadPluginFiles } from "./load-plugins.ts";
import { PluginRegistry } from "./plugin-registry.ts";
import { PluginSandbox } from "./sandbox.ts";

export interface PluginHostOptions {
  pluginsDir: string;
  lenient: boolean;
  timeoutMs: number;
  log: Logger;
}

export interface PluginHost {
  registry: PluginRegistry;
  close(): void;
}

export async function startPluginHost(options: PluginHostOptions): Promise<PluginHost> {
  const builtins = builtinPlugins.map((plugin) => ({ plugin, file: undefined }));
  const files = listPluginFiles(options.pluginsDir);
  const user = await loadPluginFiles(files, {
    lenient: options.lenient,
    log: options.log,
    takenNames: new Set(builtins.map((b) => `${b.plugin.kind}:${b.plugin.name}`)),
  });
  const sandbox = user.length > 0 ? new PluginSandbox({ timeoutMs: options.timeoutMs }) : undefined;
  const dir = resolve(options.pluginsDir);
  if (user.length > 0) {
    options.log.info({ plugins: user.map((u) => u.plugin.name), dir }, "loaded plugins");
  } else {
    // A directory that is not where the operator thinks (the working directory, or relative
    // to the config file) would otherwise fail silently: say where the relay looked.
    options.log.info({ dir, exists: existsSync(dir) }, "no plugin files; built-ins only");
  }
  return {
    registry: new PluginRegistry([...builtins, ...user], sandbox, options.timeoutMs),
    close: () => sandbox?.close(),
  };
}
