/**
 * Makes the database hold the endpoints hookrelay.toml declares, at start and on SIGHUP.
 *
 * A managed endpoint is marked in its description, `[managed:<name>] …`: the mark lives in
 * the row itself, so it survives backups, restores and a remote libSQL database, and anyone
 * reading the endpoint through the API sees that the file owns it. <data-dir>/managed.json
 * remembers the ids too (src/config/managed-state.ts), so an endpoint whose description was
 * rewritten through the API is still recognised instead of duplicated. The file wins: a managed
 * endpoint changed through the API is set back at the next reload, and one that the file no
 * longer declares is deleted like DELETE /v1/endpoints/:id (pending deliveries cancelled).
 * Everything is checked first and applied in one write transaction, so a bad file changes
 * nothing.
 */
import {
  checkEndpointInput,
  describeSchemeSecretProblem,
  generateSchemeSecret,
} from "../api/endpoint-input.ts";
import type { DestinationPolicy } from "../delivery/destination-guard.ts";
import type { Tx } from "../db/client.ts";
import {
  deleteEndpoint,
  type EndpointChanges,
  insertEndpoint,
  listEndpoints,
  updateEndpoint,
} from "../db/endpoint-store.ts";
import { newId } from "../db/ids.ts";
import type { EndpointRow } from "../db/schema.ts";
import type { WriteQueue } from "../db/write-queue.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import type { Logger } from "../observability/logger.ts";
import type { PluginRegistry } from "../plugins/plugin-registry.ts";
import type { Config } from "./config.ts";
import type { DeclaredEndpoint } from "./declared-endpoints.ts";
import { managedStatePath, readManagedState, writeManagedState } from "./managed-state.ts";
import { previousSecretsAfterRotation } from "../signing/secret-rotation.ts";

const defaultScheme = "standard-webhooks";
const markRule = /^\[managed:([a-z0-9][a-z0-9_-]{0,63})\]\s?/;

export interface ApplyContext {
  writer: WriteQueue;
  plugins: PluginRegistry;
  destinationPolicy: DestinationPolicy;
  secretOverlapMs: number;
  /** managed.json; undefined keeps no state beside the description marks. */
  statePath?: string;
  now?: number;
}

export interface ApplySummary {
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: number;
  /** Every declared endpoint's id by name, for sources that name them as destinations. */
  ids: Map<string, string>;
}

export function managedName(description: string): string | undefined {
  return markRule.exec(description)?.[1];
}

export function managedDescription(endpoint: DeclaredEndpoint): string {
  return `[managed:${endpoint.name}] ${endpoint.description}`.trimEnd();
}

/** Throws ERR_CONFIG listing every endpoint problem, with the file line of each. */
export function checkDeclaredEndpoints(
  endpoints: readonly DeclaredEndpoint[],
  plugins: PluginRegistry,
  policy: DestinationPolicy,
): void {
  const problems: string[] = [];
  for (const endpoint of endpoints) {
    try {
      checkEndpointInput(inputOf(endpoint), plugins, policy);
    } catch (error) {
      if (!(error instanceof HookrelayError)) throw error;
      for (const field of error.fields) {
        problems.push(`${whereOfField(endpoint, field.field)}: ${field.message}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new HookrelayError("ERR_CONFIG", `invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

export async function applyDeclaredEndpoints(
  endpoints: readonly DeclaredEndpoint[],
  context: ApplyContext,
): Promise<ApplySummary> {
  checkDeclaredEndpoints(endpoints, context.plugins, context.destinationPolicy);
  // Secrets are generated before the transaction: a plugin call must not hold the writer.
  const fresh = new Map<string, string>();
  for (const endpoint of endpoints) {
    const scheme = endpoint.signing?.scheme ?? defaultScheme;
    fresh.set(
      endpoint.name,
      await generateSchemeSecret(context.plugins, scheme, endpoint.signing?.options),
    );
  }
  const now = context.now ?? Date.now();
  const known = context.statePath
    ? readManagedState(context.statePath).endpoints
    : new Map<string, string>();
  const applied = new Map<string, string>();
  const summary = await context.writer.run(async (tx) => {
    const managed = await listManaged(tx, known);
    const summary: ApplySummary = {
      created: [],
      updated: [],
      deleted: [],
      unchanged: 0,
      ids: applied,
    };
    for (const endpoint of endpoints) {
      const current = managed.get(endpoint.name);
      managed.delete(endpoint.name);
      const secret = endpoint.secret ?? (fresh.get(endpoint.name) as string);
      if (!current) {
        const row = await insertEndpoint(tx, newRow(endpoint, secret, now));
        summary.created.push(row.id);
        applied.set(endpoint.name, row.id);
        continue;
      }
      applied.set(endpoint.name, current.id);
      const changes = diff(current, endpoint, context, secret, now);
      if (Object.keys(changes).length === 0) summary.unchanged++;
      else {
        await updateEndpoint(tx, current.id, changes, now);
        summary.updated.push(current.id);
      }
    }
    for (const gone of managed.values()) {
      await deleteEndpoint(tx, gone.id, now);
      summary.deleted.push(gone.id);
    }
    return summary;
  });
  if (context.statePath) writeManagedState(context.statePath, { endpoints: applied });
  return summary;
}

async function listManaged(tx: Tx, known: Map<string, string>): Promise<Map<string, EndpointRow>> {
  const nameOf = new Map([...known].map(([name, id]) => [id, name]));
  const managed = new Map<string, EndpointRow>();
  let after: string | undefined;
  for (;;) {
    const page = await listEndpoints(tx, 250, after);
    for (const row of page) {
      const name = managedName(row.description) ?? nameOf.get(row.id);
      if (name !== undefined && !managed.has(name)) managed.set(name, row);
    }
    if (page.length < 250) return managed;
    after = page.at(-1)?.id;
  }
}

function newRow(endpoint: DeclaredEndpoint, secret: string, now: number) {
  return {
    id: newId("ep"),
    url: endpoint.url,
    description: managedDescription(endpoint),
    eventTypes: endpoint.eventTypes,
    headers: endpoint.headers,
    signing: {
      plugin: endpoint.signing?.scheme ?? defaultScheme,
      options: signingOptions(endpoint),
    },
    transform: endpoint.transform && {
      plugin: endpoint.transform.plugin,
      options: endpoint.transform.options,
    },
    secret,
    enabled: endpoint.enabled,
    disabledReason: endpoint.enabled ? null : "config",
    createdAt: now,
    updatedAt: now,
  };
}

/** Only what differs, so an unchanged file leaves rows (and updated_at) alone. */
function diff(
  current: EndpointRow,
  endpoint: DeclaredEndpoint,
  context: ApplyContext,
  secret: string,
  now: number,
): EndpointChanges {
  const wanted = newRow(endpoint, secret, now);
  const changes: EndpointChanges = {};
  if (current.url !== wanted.url) changes.url = wanted.url;
  if (current.description !== wanted.description) changes.description = wanted.description;
  if (!same(current.eventTypes, wanted.eventTypes)) changes.eventTypes = wanted.eventTypes;
  if (!same(current.headers, wanted.headers)) changes.headers = wanted.headers;
  if (!same(current.signing, wanted.signing)) changes.signing = wanted.signing;
  if (!same(current.transform, wanted.transform)) changes.transform = wanted.transform;
  // The file's `enabled = false` disables; `true` undoes only its own disabling, never a
  // 410 Gone or an operator's API call, which need a person to look first.
  if (!endpoint.enabled && current.enabled) {
    Object.assign(changes, { enabled: false, disabledReason: "config" });
  } else if (endpoint.enabled && !current.enabled && current.disabledReason === "config") {
    Object.assign(changes, { enabled: true, disabledReason: null });
  }
  const scheme = wanted.signing.plugin;
  const options = wanted.signing.options;
  const misfit = describeSchemeSecretProblem(context.plugins, scheme, current.secret, options);
  if (endpoint.secret !== undefined && endpoint.secret !== current.secret) {
    // A new secret in the file is a rotation: the old one keeps signing for the overlap.
    Object.assign(changes, {
      secret: endpoint.secret,
      previousSecrets: previousSecretsAfterRotation(
        current,
        endpoint.secret,
        context.secretOverlapMs,
        now,
      ),
    });
  } else if (endpoint.secret === undefined && misfit) {
    Object.assign(changes, { secret, previousSecrets: [] });
  }
  return changes;
}

function inputOf(endpoint: DeclaredEndpoint) {
  return {
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    headers: endpoint.headers,
    secret: endpoint.secret,
    signing: endpoint.signing,
    transform: endpoint.transform,
  };
}

function signingOptions(endpoint: DeclaredEndpoint): Record<string, unknown> {
  return endpoint.signing?.options ?? {};
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `/signing/options/x` → `hookrelay.toml:9: endpoints[0].signing.options.x`. */
function whereOfField(endpoint: DeclaredEndpoint, pointer: string): string {
  const parts = pointer.replace(/^\//, "").split("/");
  const [top = "", second] = parts;
  const key = top === "eventTypes" ? "event_types" : top;
  const nested = second === "options" && endpoint.where[`${key}.options`];
  const base = (nested || endpoint.where[key]) ?? endpoint.where.name ?? "";
  const rest = parts.slice(nested ? 2 : 1);
  return base + rest.map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join("");
}

/** Applies `config.endpoints` with the relay's own settings, and logs what changed. */
export async function syncDeclaredEndpoints(
  config: Readonly<Config>,
  plugins: PluginRegistry,
  writer: WriteQueue,
  log: Logger,
): Promise<ApplySummary> {
  const summary = await applyDeclaredEndpoints(config.endpoints, {
    writer,
    plugins,
    destinationPolicy: { allowedNetworks: config.allowedNetworks, httpsOnly: config.httpsOnly },
    secretOverlapMs: config.secretOverlapMs,
    statePath: managedStatePath(config.dataDir),
  });
  const changed = summary.created.length + summary.updated.length + summary.deleted.length;
  if (changed > 0 || config.endpoints.length > 0) {
    const { created, updated, deleted, unchanged } = summary;
    const declared = config.endpoints.length;
    log.info({ created, updated, deleted, unchanged, declared }, "declared endpoints applied");
  }
  return summary;
}
