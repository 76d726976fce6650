/**
 * Runs user plugin calls off the main thread. If a call overruns its time budget (an endless
 * loop, say), the relay terminates this whole worker; that is the only way to stop
 * synchronous JavaScript, and why plugins do not run on the main thread.
 */
import { pathToFileURL } from "node:url";
import { registerHostModules } from "./host-modules.ts";
import type { CallMessage, ReplyMessage } from "./sandbox-protocol.ts";
import type { Plugin } from "./sdk.ts";

declare const self: Worker;

registerHostModules();
const plugins = new Map<string, Promise<Plugin>>();

function pluginAt(file: string): Promise<Plugin> {
  let plugin = plugins.get(file);
  if (!plugin) {
    plugin = import(pathToFileURL(file).href).then((module) => module.default as Plugin);
    plugins.set(file, plugin);
  }
  return plugin;
}

self.onmessage = async (event: MessageEvent<CallMessage>) => {
  const { id, file, method, args } = event.data;
  let reply: ReplyMessage;
  try {
    const plugin = (await pluginAt(file)) as unknown as Record<
      string,
      (...a: unknown[]) => unknown
    >;
    const fn = plugin[method];
    if (typeof fn !== "function") throw new TypeError(`plugin has no ${method}()`);
    reply = { id, ok: true, value: await fn.apply(plugin, args) };
  } catch (error) {
    reply = { id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  self.postMessage(reply);
};
