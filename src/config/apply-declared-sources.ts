/**
 * Makes the database hold the sources hookrelay.toml declares, after the declared endpoints
 * (their destinations). Every source is checked first, shape, destinations and verifier,
 * with the file's lines; then each is created or changed through the same functions as the
 * API (src/ingest/manage-sources.ts), one transaction per source. A source the file used to
 * declare (listed in <data-dir>/managed.json) and no longer does is deleted. A source created
 * through the API under a declared name is taken over by the file.
 */
import { Value } from "@sinclair/typebox/value";
import type { ApiDeps } from "../api/deps.ts";
import {
  type CreateSourceInput,
  checkSourceResponse,
  createSourceBody,
} from "../api/source-schemas.ts";
import { findSourceByName } from "../db/source-store.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import type { SourceRow } from "../db/schema.ts";
import {
  changeSource,
  createSource,
  removeSource,
  toResponse,
  toSecrets,
} from "../ingest/manage-sources.ts";
import type { Logger } from "../observability/logger.ts";
import type { PluginRegistry } from "../plugins/plugin-registry.ts";
import type { Config } from "./config.ts";
import type { DeclaredSource } from "./declared-sources.ts";
import { managedStatePath, readManagedState, writeManagedState } from "./managed-state.ts";

export interface SourceSummary {
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: number;
}

/** Throws ERR_CONFIG listing every source problem, with the file line of each. */
export function checkDeclaredSources(
  sources: readonly DeclaredSource[],
  plugins: PluginRegistry,
  endpointNames: ReadonlySet<string>,
): void {
  const problems: string[] = [];
  for (const source of sources) {
    const input = inputOf(source, (name) => (endpointNames.has(name) ? `ep_${name}` : name));
    for (const error of Value.Errors(createSourceBody, input)) {
      problems.push(`${whereOf(source, error.path)}: ${lowerFirst(error.message)}`);
    }
    for (const field of checkSourceResponse(input.response)) {
      problems.push(`${whereOf(source, field.field)}: ${field.message}`);
    }
    for (const destination of source.destinations) {
      if (!endpointNames.has(destination) && !destination.startsWith("ep_")) {
        problems.push(
          `${source.where.destinations}: "${destination}" is neither an endpoint declared in ` +
            "the file nor an endpoint id (ep_…)",
        );
      }
    }
    const { scheme, options, secrets } = source.verifier;
    for (const field of plugins.checkOptions("verifier", scheme, options, "/verifier/options")) {
      problems.push(`${whereOf(source, field.field)}: ${field.message}`);
    }
    if (scheme !== "none" && secrets.length === 0) {
      problems.push(`${source.where.verifier}: needs at least one of secrets or secret_files`);
    }
    const checkSecret = plugins.find("verifier", scheme)?.checkSecret;
    secrets.forEach((secret, i) => {
      const problem = checkSecret?.(secret, options);
      if (problem) problems.push(`${source.where["verifier.secrets"]}[${i}]: ${problem}`);
    });
  }
  if (problems.length > 0) {
    throw new HookrelayError("ERR_CONFIG", `invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

export async function syncDeclaredSources(
  config: Readonly<Config>,
  deps: ApiDeps,
  endpointIds: ReadonlyMap<string, string>,
  log: Logger,
): Promise<SourceSummary> {
  checkDeclaredSources(config.sources, deps.plugins, new Set(endpointIds.keys()));
  const statePath = managedStatePath(config.dataDir);
  const previously = readManagedState(statePath).sources;
  const summary: SourceSummary = { created: [], updated: [], deleted: [], unchanged: 0 };
  for (const source of config.sources) {
    const input = inputOf(source, (name) => endpointIds.get(name) ?? name);
    try {
      const existing = await findSourceByName(deps.orm, source.name);
      if (existing && matchesDeclared(existing, input)) summary.unchanged++;
      else if (existing) {
        const { name: _name, ...changes } = input;
        summary.updated.push((await changeSource(deps, existing.id, changes)).id);
      } else summary.created.push((await createSource(deps, input)).id);
    } catch (error) {
      throw asConfigProblem(source, error);
    }
  }
  const declared = new Set(config.sources.map((source) => source.name));
  for (const name of previously.filter((n) => !declared.has(n))) {
    const existing = await findSourceByName(deps.orm, name);
    if (existing) {
      await removeSource(deps, existing.id);
      summary.deleted.push(existing.id);
    }
  }
  writeManagedState(statePath, { sources: [...declared] });
  if (config.sources.length > 0 || summary.deleted.length > 0) {
    log.info({ ...summary, declared: config.sources.length }, "declared sources applied");
  }
  return summary;
}

/**
 * Whether the stored source already is what the file declares, so that a reload of an
 * unchanged file writes nothing and reports it as unchanged. Fields the file leaves out
 * (max_body, dedupe_window) are not part of the declaration.
 */
function matchesDeclared(existing: SourceRow, input: CreateSourceInput): boolean {
  const same = (a: unknown, b: unknown) => Bun.deepEquals(a, b, true);
  const verifier = input.verifier;
  return (
    existing.verifier.plugin === verifier.scheme &&
    same(existing.verifier.options, verifier.options ?? {}) &&
    same(existing.secrets, toSecrets(verifier.secrets ?? [])) &&
    same(existing.destinations, input.destinations ?? []) &&
    same(existing.forwardHeaders, input.forwardHeaders ?? []) &&
    same(existing.response, toResponse(input.response)) &&
    (input.maxBodyBytes === undefined || existing.maxBodyBytes === input.maxBodyBytes) &&
    (input.dedupeWindowSeconds === undefined ||
      existing.dedupeWindowMs === input.dedupeWindowSeconds * 1000)
  );
}

function inputOf(source: DeclaredSource, destinationId: (name: string) => string) {
  const input: CreateSourceInput = {
    name: source.name,
    verifier: {
      scheme: source.verifier.scheme,
      secrets: source.verifier.secrets,
      options: source.verifier.options,
    },
    destinations: source.destinations.map(destinationId),
    forwardHeaders: source.forwardHeaders,
    response: source.response,
  };
  if (source.maxBodyBytes !== undefined) input.maxBodyBytes = source.maxBodyBytes;
  if (source.dedupeWindowSeconds !== undefined) {
    input.dedupeWindowSeconds = source.dedupeWindowSeconds;
  }
  return input;
}

/** A problem the API functions found (a destination id that does not exist, say). */
function asConfigProblem(source: DeclaredSource, error: unknown): HookrelayError {
  if (!(error instanceof HookrelayError) || error.status >= 500) return error as HookrelayError;
  const problems =
    error.fields.length > 0
      ? error.fields.map((field) => `${whereOf(source, field.field)}: ${field.message}`)
      : [`${source.where.name}: ${error.detail ?? error.message}`];
  return new HookrelayError("ERR_CONFIG", `invalid configuration:\n  ${problems.join("\n  ")}`);
}

const fileKeys: Record<string, string> = {
  contentType: "content_type",
  forwardHeaders: "forward_headers",
  maxBodyBytes: "max_body",
  dedupeWindowSeconds: "dedupe_window",
};

/** `/verifier/options/x` → `hookrelay.toml:31: sources[0].verifier.options.x`. */
function whereOf(source: DeclaredSource, pointer: string): string {
  const parts = pointer.replace(/^\//, "").split("/");
  const [top = "", second] = parts;
  const key = fileKeys[top] ?? top;
  const nested = (second === "options" || second === "secrets") && source.where[`${key}.${second}`];
  const base = (nested || source.where[key]) ?? source.where.name ?? "";
  const rest = parts.slice(nested ? 2 : 1).map((part) => fileKeys[part] ?? part);
  return base + rest.map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join("");
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
