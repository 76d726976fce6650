/** Which plugins the live endpoints and sources name, to check them against those loaded. */
import { isNull } from "drizzle-orm";
import type { Queryable } from "./client.ts";
import { endpoints, sources } from "./schema.ts";
export interface PluginUse {
  kind: "signer" | "transform" | "verifier";
  plugin: string;
  /** The endpoint (`ep_…`) or source (`src_…`) that names it. */
  ownerId: string;
}

export async function listPluginUses(db: Queryable): Promise<PluginUse[]> {
  const endpointRows = await db
    .select({ id: endpoints.id, signing: endpoints.signing, transform: endpoints.transform })
    .from(endpoints)
    .where(isNull(endpoints.deletedAt));
  const sourceRows = await db
    .select({ id: sources.id, verifier: sources.verifier })
    .from(sources)
    .where(isNull(sources.deletedAt));
  const uses: PluginUse[] = [];
  for (const row of endpointRows) {
    uses.push({ kind: "signer", plugin: row.signing.plugin, ownerId: row.id });
    if (row.transform)
      uses.push({ kind: "transform", plugin: row.transform.plugin, ownerId: row.id });
  }
  for (const row of sourceRows) {
    uses.push({ kind: "verifier", plugin: row.verifier.plugin, ownerId: row.id });
  }
  return uses;
}
