/**
 * At start, the endpoints and sources whose plugin is not loaded: a plugins directory that
 * moved, or a file removed, would otherwise show only as every delivery of those endpoints
 * failing with plugin_error on its way to the dead-letter queue, and every request to those
 * sources refused. Each is logged at warn with what names it; the relay still starts, since
 * the rest of its endpoints are fine and the file may come back at the next restart.
 */
import { resolve } from "node:path";
import type { Queryable } from "../db/client.ts";
import { listPluginUses, type PluginUse } from "../db/plugin-use-store.ts";
import type { Logger } from "../observability/logger.ts";
import type { PluginRegistry } from "./plugin-registry.ts";

export async function findMissingPlugins(
  db: Queryable,
  registry: PluginRegistry,
): Promise<PluginUse[]> {
  const uses = await listPluginUses(db);
  return uses.filter((use) => !registry.find(use.kind, use.plugin));
}

export async function warnAboutMissingPlugins(
  db: Queryable,
  registry: PluginRegistry,
  log: Logger,
  pluginsDir: string,
): Promise<void> {
  const missing = await findMissingPlugins(db, registry);
  const byPlugin = new Map<string, PluginUse[]>();
  for (const use of missing) {
    const key = `${use.kind}:${use.plugin}`;
    byPlugin.set(key, [...(byPlugin.get(key) ?? []), use]);
  }
  for (const uses of byPlugin.values()) {
    const [{ kind, plugin }] = uses as [PluginUse];
    const usedBy = uses.map((use) => use.ownerId);
    const effect =
      kind === "verifier"
        ? "its sources refuse every request with 401"
        : "deliveries to its endpoints fail with plugin_error";
    const dir = resolve(pluginsDir);
    log.warn({ kind, plugin, usedBy, effect, pluginsDir: dir }, "a plugin in use is not loaded");
  }
}
