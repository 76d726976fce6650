/**
 * The outbox: endpoints, events, one delivery per (event, endpoint), and every attempt.
 * Times are integer milliseconds since the epoch. drizzle-kit generates drizzle/ from this.
 */
import { sql } from "drizzle-orm";
import { blob, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const endpoints = sqliteTable("endpoints", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  description: text("description").notNull().default(""),
  eventTypes: text("event_types", { mode: "json" }).$type<string[]>().notNull(),
  headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull(),
  secret: text("secret").notNull(),
  previousSecret: text("previous_secret"),
  previousSecretExpiresAt: integer("previous_secret_expires_at"),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  disabledReason: text("disabled_reason"),
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
    /** SHA-256 of the publish request, to tell a replay from a conflicting reuse of a key. */
    requestHash: text("request_hash").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [
    uniqueIndex("events_idempotency_key").on(table.idempotencyKey),
    index("events_created").on(table.createdAt, table.id),
    index("events_type_created").on(table.type, table.createdAt),
  ],
);

export const deliveryStatuses = ["pending", "succeeded", "dead", "cancelled"] as const;
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
