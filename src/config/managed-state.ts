/**
 * What the config file manages, kept in <data-dir>/managed.json: endpoint ids by name, and
 * source names. For endpoints the `[managed:<name>]` mark in the description is the other
 * half: it travels with the database (a restore, a remote libSQL server), while this file
 * still knows an endpoint whose description someone rewrote through the API. Sources have no
 * description, so this file is how a source dropped from the config is recognised as one to
 * delete. Written after each apply, atomically (a temporary file renamed over the old one).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ManagedState {
  endpoints: Map<string, string>;
  sources: string[];
}

export function managedStatePath(dataDir: string): string {
  return join(dataDir, "managed.json");
}

export function readManagedState(path: string): ManagedState {
  if (!existsSync(path)) return { endpoints: new Map(), sources: [] };
  try {
    const state = JSON.parse(readFileSync(path, "utf8")) as {
      endpoints?: Record<string, string>;
      sources?: string[];
    };
    return {
      endpoints: new Map(Object.entries(state.endpoints ?? {})),
      sources: state.sources ?? [],
    };
  } catch {
    // Unreadable state loses only what the description marks cannot tell.
    return { endpoints: new Map(), sources: [] };
  }
}

export function writeManagedState(path: string, change: Partial<ManagedState>): void {
  const state = { ...readManagedState(path), ...change };
  const text = JSON.stringify(
    { endpoints: Object.fromEntries(state.endpoints), sources: state.sources },
    null,
    2,
  );
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${text}\n`);
  renameSync(temporary, path);
}
