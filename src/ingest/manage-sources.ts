/**
 * Creating and changing sources: every field checked first (all problems reported at once),
 * then the source and any inline destinations, which become endpoints owned by the source,
 * written in one transaction. Used by the API and by declarative configuration.
 */
import type { ApiDeps } from "../api/deps.ts";
import {
  checkEndpointInput,
  defaultScheme,
  destinationPolicy,
  generateSchemeSecret,
} from "../api/endpoint-input.ts";
import {
  type CreateSourceInput,
  checkSourceResponse,
  type InlineDestination,
  type UpdateSourceInput,
} from "../api/source-schemas.ts";
import type { Tx } from "../db/client.ts";
import { deleteEndpoint, insertEndpoint } from "../db/endpoint-store.ts";
import { newId } from "../db/ids.ts";
import type { SourceRow, SourceSecret } from "../db/schema.ts";
import {
  deleteSource,
  findEndpointsByIds,
  findSource,
  findSourceByName,
  insertSource,
  type SourceChanges,
  updateSource,
} from "../db/source-store.ts";
import { type FieldError, notFound, validationError } from "../errors/hookrelay-error.ts";
import { describeDedupeWindowProblem } from "../retention/retention-bounds.ts";

export const defaultSourceMaxBodyBytes = 1024 * 1024;
export const defaultDedupeWindowSeconds = 24 * 3600;

export async function createSource(deps: ApiDeps, input: CreateSourceInput): Promise<SourceRow> {
  await checkSourceInput(deps, input, true);
  const inline = await prepareInlineDestinations(deps, input.destinations ?? []);
  const now = Date.now();
  const written = deps.writer.run(async (tx) => {
    await assertNameFree(tx, input.name, undefined);
    const id = newId("src");
    const destinations = await resolveDestinations(tx, id, input.destinations ?? [], inline, now);
    return insertSource(tx, {
      id,
      name: input.name,
      verifier: { plugin: input.verifier.scheme, options: input.verifier.options ?? {} },
      secrets: toSecrets(input.verifier.secrets ?? []),
      destinations,
      forwardHeaders: input.forwardHeaders ?? [],
      response: toResponse(input.response),
      maxBodyBytes: input.maxBodyBytes ?? defaultSourceMaxBodyBytes,
      dedupeWindowMs: (input.dedupeWindowSeconds ?? defaultDedupeWindowSeconds) * 1000,
      createdAt: now,
      updatedAt: now,
    });
  });
  return forgetOnSettle(deps, written);
}

export async function changeSource(
  deps: ApiDeps,
  id: string,
  input: UpdateSourceInput,
): Promise<SourceRow> {
  await checkSourceInput(deps, input, false);
  const inline = await prepareInlineDestinations(deps, input.destinations ?? []);
  const now = Date.now();
  const written = deps.writer.run(async (tx) => {
    const current = await findSource(tx, id);
    if (!current) throw notFound("source", id);
    if (input.name !== undefined) await assertNameFree(tx, input.name, id);
    const changes: SourceChanges = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.verifier) {
      changes.verifier = { plugin: input.verifier.scheme, options: input.verifier.options ?? {} };
      if (input.verifier.secrets) changes.secrets = toSecrets(input.verifier.secrets);
      // A new scheme without secrets keeps the stored ones, which may all have expired.
      if (input.verifier.scheme !== "none" && !(changes.secrets ?? current.secrets).some(isLive)) {
        throw validationError([{ field: "/verifier/secrets", message: noLiveSecret }]);
      }
    }
    if (input.destinations) {
      changes.destinations = await resolveDestinations(tx, id, input.destinations, inline, now);
      // Inline destinations belong to the source: one it no longer lists is deleted.
      const kept = new Set(changes.destinations);
      for (const endpoint of await findEndpointsByIds(tx, current.destinations)) {
        if (endpoint.sourceId === id && !kept.has(endpoint.id)) {
          await deleteEndpoint(tx, endpoint.id, now);
        }
      }
    }
    if (input.forwardHeaders) changes.forwardHeaders = input.forwardHeaders;
    if (input.response !== undefined) changes.response = toResponse(input.response);
    if (input.maxBodyBytes !== undefined) changes.maxBodyBytes = input.maxBodyBytes;
    if (input.dedupeWindowSeconds !== undefined) {
      changes.dedupeWindowMs = input.dedupeWindowSeconds * 1000;
    }
    const row = await updateSource(tx, id, changes, now);
    if (!row) throw notFound("source", id);
    return row;
  });
  return forgetOnSettle(deps, written);
}

/** Deletes the source and the inline destinations it owns (their pending deliveries end). */
export async function removeSource(deps: ApiDeps, id: string): Promise<void> {
  const written = deps.writer.run(async (tx) => {
    const current = await findSource(tx, id);
    if (!current) throw notFound("source", id);
    const now = Date.now();
    await deleteSource(tx, id, now);
    for (const endpoint of await findEndpointsByIds(tx, current.destinations)) {
      if (endpoint.sourceId === id) await deleteEndpoint(tx, endpoint.id, now);
    }
  });
  await forgetOnSettle(deps, written);
}

/**
 * `creating`: a new source must bring secrets; a change may keep the ones it has. Referenced
 * destinations are looked up here too, so that one answer lists every problem; the write
 * looks again inside its transaction, for an endpoint deleted in between.
 */
async function checkSourceInput(
  deps: ApiDeps,
  input: UpdateSourceInput,
  creating: boolean,
): Promise<void> {
  const problems: FieldError[] = [];
  const verifier = input.verifier;
  if (verifier) {
    problems.push(
      ...deps.plugins.checkOptions(
        "verifier",
        verifier.scheme,
        verifier.options,
        "/verifier/options",
      ),
    );
    const secrets = verifier.secrets;
    if (verifier.scheme !== "none" && (creating || secrets) && (secrets ?? []).length === 0) {
      problems.push({ field: "/verifier/secrets", message: "needs at least one secret" });
    } else if (verifier.scheme !== "none" && secrets && !toSecrets(secrets).some(isLive)) {
      // The ingest verifies with live secrets only: with none, every request would fail.
      problems.push({ field: "/verifier/secrets", message: noLiveSecret });
    }
    const checkSecret = deps.plugins.find("verifier", verifier.scheme)?.checkSecret;
    secrets?.forEach((secret, i) => {
      const value = typeof secret === "string" ? secret : secret.value;
      const problem = checkSecret?.(value, verifier.options);
      if (problem) problems.push({ field: `/verifier/secrets/${i}`, message: problem });
    });
    verifier.secrets?.forEach((secret, i) => {
      if (
        typeof secret !== "string" &&
        secret.expiresAt &&
        Number.isNaN(Date.parse(secret.expiresAt))
      ) {
        problems.push({ field: `/verifier/secrets/${i}/expiresAt`, message: "is not a date" });
      }
    });
  }
  if (input.response) problems.push(...checkSourceResponse(input.response));
  const windowProblem = describeDedupeWindowProblem(input.dedupeWindowSeconds, deps.config);
  if (windowProblem) problems.push({ field: "/dedupeWindowSeconds", message: windowProblem });
  const destinations = input.destinations ?? [];
  const referenced = destinations.filter((d): d is string => typeof d === "string");
  const found = new Set((await findEndpointsByIds(deps.orm, referenced)).map((e) => e.id));
  destinations.forEach((destination, i) => {
    if (typeof destination === "string") {
      if (!found.has(destination)) problems.push(missingDestination(i, destination));
      return;
    }
    try {
      checkEndpointInput(destination, deps.plugins, destinationPolicy(deps));
    } catch (error) {
      const fields = (error as { fields?: FieldError[] }).fields ?? [];
      for (const f of fields)
        problems.push({ field: `/destinations/${i}${f.field}`, message: f.message });
    }
  });
  if (problems.length > 0) throw validationError(problems);
}

/** Secrets for inline destinations are generated before the write transaction starts. */
async function prepareInlineDestinations(
  deps: ApiDeps,
  destinations: (string | InlineDestination)[],
): Promise<Map<InlineDestination, string>> {
  const secrets = new Map<InlineDestination, string>();
  for (const destination of destinations) {
    if (typeof destination === "string") continue;
    const scheme = destination.signing?.scheme ?? defaultScheme;
    secrets.set(
      destination,
      destination.secret ??
        (await generateSchemeSecret(deps.plugins, scheme, destination.signing?.options)),
    );
  }
  return secrets;
}

async function resolveDestinations(
  tx: Tx,
  sourceId: string,
  destinations: (string | InlineDestination)[],
  inlineSecrets: Map<InlineDestination, string>,
  now: number,
): Promise<string[]> {
  const referenced = destinations.filter((d): d is string => typeof d === "string");
  const found = new Set((await findEndpointsByIds(tx, referenced)).map((e) => e.id));
  const missing: FieldError[] = destinations.flatMap((destination, i) =>
    typeof destination === "string" && !found.has(destination)
      ? [missingDestination(i, destination)]
      : [],
  );
  if (missing.length > 0) throw validationError(missing);
  const ids: string[] = [];
  for (const destination of destinations) {
    if (typeof destination === "string") {
      ids.push(destination);
      continue;
    }
    const endpoint = await insertEndpoint(tx, {
      id: newId("ep"),
      url: destination.url,
      description: destination.description ?? "",
      eventTypes: destination.eventTypes ?? [],
      headers: destination.headers ?? {},
      signing: {
        plugin: destination.signing?.scheme ?? defaultScheme,
        options: destination.signing?.options ?? {},
      },
      transform: destination.transform
        ? { plugin: destination.transform.plugin, options: destination.transform.options ?? {} }
        : null,
      secret: inlineSecrets.get(destination) as string,
      enabled: true,
      sourceId,
      createdAt: now,
      updatedAt: now,
    });
    ids.push(endpoint.id);
  }
  return ids;
}

function missingDestination(index: number, id: string): FieldError {
  return { field: `/destinations/${index}`, message: `no endpoint ${id}` };
}

async function assertNameFree(tx: Tx, name: string, exceptId: string | undefined): Promise<void> {
  const holder = await findSourceByName(tx, name);
  if (holder && holder.id !== exceptId) {
    throw validationError([{ field: "/name", message: `a source named "${name}" exists` }]);
  }
}

const noLiveSecret = "needs at least one secret that has not expired";

/** An unparsable `expiresAt` (NaN) is reported as such, not as expired. */
function isLive(secret: SourceSecret): boolean {
  const expiresAt = secret.expiresAt;
  return expiresAt === undefined || Number.isNaN(expiresAt) || expiresAt > Date.now();
}

export function toSecrets(
  secrets: NonNullable<CreateSourceInput["verifier"]["secrets"]>,
): SourceSecret[] {
  return secrets.map((secret) =>
    typeof secret === "string"
      ? { value: secret }
      : {
          value: secret.value,
          ...(secret.expiresAt ? { expiresAt: Date.parse(secret.expiresAt) } : {}),
        },
  );
}

export function toResponse(response: CreateSourceInput["response"]): SourceRow["response"] {
  if (!response) return null;
  return {
    status: response.status,
    body: response.body ?? "",
    contentType: response.contentType ?? "text/plain; charset=utf-8",
  };
}

/** The ingest route caches sources by name: whatever this write did, it must look again. */
function forgetOnSettle<T>(deps: ApiDeps, written: Promise<T>): Promise<T> {
  return written.finally(() => deps.sources.forget());
}
