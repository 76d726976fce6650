/**
 * The outbox: endpoints, events, one delivery per (event, endpoint), and every attempt.
 * Times are integer milliseconds since the epoch. drizzle-kit generates drizzle/ from this.
 */
import { sql } from "drizzle-orm";
import { blob, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** A plugin picked by name, with the options it was configured with. */
export interface PluginChoice {
  plugin: string;
  options: Record<string, unknown>;
}

/** A secret rotated out: it keeps signing, beside the current one, until `expiresAt` (ms). */
export interface PreviousSecret {
  secret: string;
  expiresAt: number;
}

export const endpoints = sqliteTable("endpoints", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  description: text("description").notNull().default(""),
  eventTypes: text("event_types", { mode: "json" }).$type<string[]>().notNull(),
  headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull(),
  /** Which signer plugin signs this endpoint's requests, with its options. */
  signing: text("signing", { mode: "json" })
    .$type<PluginChoice>()
    .notNull()
    .default(sql`'{"plugin":"standard-webhooks","options":{}}'`),
  /** An optional transform plugin that rewrites the body for this endpoint. */
  transform: text("transform", { mode: "json" }).$type<PluginChoice>(),
  secret: text("secret").notNull(),
  /** Secrets rotated out that still sign until their overlap ends, newest first. */
  previousSecrets: text("previous_secrets", { mode: "json" })
    .$type<PreviousSecret[]>()
    .notNull()
    .default(sql`'[]'`),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  disabledReason: text("disabled_reason"),
  /** Set when a source created this endpoint as an inline destination: it then receives
   * only that source's events, never published ones. */
  sourceId: text("source_id"),
  /** Sends per second at most; null = no limit beyond the concurrency limit. */
  rateLimitPerSecond: integer("rate_limit_per_second"),
  /** When the current run of failures began (cleared by a success): drives auto-disable. */
  failingSince: integer("failing_since"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  deletedAt: integer("deleted_at"),
});

export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    contentType: text("content_type").notNull(),
    /** The exact bytes every attempt sends and signs. */
    body: blob("body", { mode: "buffer" }).notNull(),
    idempotencyKey: text("idempotency_key"),
    /** The inbound source that received this event; null for published events. */
    sourceId: text("source_id"),
    /** The provider's delivery id (X-GitHub-Delivery, webhook-id, …), to drop repeats. */
    dedupeKey: text("dedupe_key"),
    /** Inbound request headers to forward (allow-listed), as received. */
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>(),
    /** SHA-256 of the publish request, to tell a replay from a conflicting reuse of a key. */
    requestHash: text("request_hash").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [
    uniqueIndex("events_idempotency_key").on(table.idempotencyKey),
    index("events_created").on(table.createdAt, table.id),
    index("events_type_created").on(table.type, table.createdAt),
    index("events_source_dedupe").on(table.sourceId, table.dedupeKey),
  ],
);

/** A secret accepted by an inbound source's verifier, until it expires (provider rotation). */
export interface SourceSecret {
  value: string;
  /** Milliseconds since the epoch; absent = no expiry. */
  expiresAt?: number;
}

export interface SourceResponse {
  status: number;
  body: string;
  contentType: string;
}

/** An inbound source: a public ingest URL (`/in/:name`) with a verifier and destinations. */
export const sources = sqliteTable(
  "sources",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    verifier: text("verifier", { mode: "json" }).$type<PluginChoice>().notNull(),
    secrets: text("secrets", { mode: "json" }).$type<SourceSecret[]>().notNull(),
    /** Endpoint ids the source's events are delivered to. */
    destinations: text("destinations", { mode: "json" }).$type<string[]>().notNull(),
    /** Extra inbound header names to forward beyond the defaults. */
    forwardHeaders: text("forward_headers", { mode: "json" }).$type<string[]>().notNull(),
    response: text("response", { mode: "json" }).$type<SourceResponse | null>(),
    maxBodyBytes: integer("max_body_bytes").notNull(),
    dedupeWindowMs: integer("dedupe_window_ms").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (table) => [uniqueIndex("sources_name").on(table.name).where(sql`${table.deletedAt} IS NULL`)],
);

export const tokenScopes = ["admin", "publish", "read"] as const;
export type TokenScope = (typeof tokenScopes)[number];

/** Named API tokens; only a SHA-256 hash of each token is stored. */
export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<TokenScope[]>().notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (table) => [uniqueIndex("api_tokens_hash").on(table.tokenHash)],
);

export const deliveryStatuses = ["pending", "succeeded", "dead", "cancelled", "skipped"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id")
      .notNull()
      .references(() => events.id),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => endpoints.id),
    status: text("status").$type<DeliveryStatus>().notNull(),
    attemptCount: integer("attempt_count").notNull().default(0),
    /** Attempts since the last (re)start of the retry schedule; replay resets it. */
    scheduleStep: integer("schedule_step").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at"),
    /** Set while a process holds the delivery in flight; a stale lease is reclaimed. */
    leaseUntil: integer("lease_until"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (table) => [
    index("deliveries_due").on(table.nextAttemptAt).where(sql`${table.status} = 'pending'`),
    index("deliveries_event").on(table.eventId),
    index("deliveries_endpoint").on(table.endpointId, table.id),
    index("deliveries_status").on(table.status, table.id),
  ],
);

export const attempts = sqliteTable(
  "attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => deliveries.id),
    attempt: integer("attempt").notNull(),
    startedAt: integer("started_at").notNull(),
    durationMs: integer("duration_ms").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    retryAfterMs: integer("retry_after_ms"),
    responseBody: text("response_body"),
    responseBodyTruncated: integer("response_body_truncated", { mode: "boolean" }).notNull(),
  },
  (table) => [index("attempts_delivery").on(table.deliveryId, table.attempt)],
);

export type EndpointRow = typeof endpoints.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;
export type SourceRow = typeof sources.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
