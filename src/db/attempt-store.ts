/**
 * Writing what attempts did: the attempt rows, their deliveries' new states, and the failure
 * clock of their endpoints.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Queryable } from "./client.ts";
import { insertRows, runStatement } from "./bulk-rows.ts";
import { attempts, type DeliveryRow, deliveries, endpoints } from "./schema.ts";

export type NewAttempt = typeof attempts.$inferInsert;

export interface AttemptResult {
  attempt: NewAttempt;
  delivery: Pick<
    DeliveryRow,
    "status" | "nextAttemptAt" | "lastStatusCode" | "lastError" | "finishedAt" | "scheduleStep"
  >;
  /** Set when the outcome disables the endpoint (410 Gone). */
  disableEndpoint?: { reason: string };
}

/** What an attempt changed about its endpoint, for logs and operational webhooks. */
export interface EndpointHealthChange {
  /** The endpoint answered after a run of failures. */
  recovered: boolean;
  /** Why the endpoint was disabled by this attempt, if it was. */
  disabled: "gone" | "failing" | undefined;
}

/** One finished attempt to write, with what decides its endpoint's health. */
export interface AttemptRecord {
  deliveryId: string;
  endpointId: string;
  result: AttemptResult;
  /** False for failures that are not the receiver's fault (a plugin error). */
  countsAsFailure: boolean;
  now: number;
}

export interface HealthPolicy {
  autoDisableAfterMs: number;
  recoveryReportAfterMs: number;
}

/**
 * Writes the attempts and their deliveries' new states in three statements whatever their
 * number, and keeps each endpoint's failure clock: `failing_since` starts at the first failure
 * after a success, clears on the next success, and an endpoint failing for longer than
 * `autoDisableAfterMs` is disabled ("failing"). Records are applied in order, so the result
 * is the one writing them one by one would give.
 */
export async function recordAttempts(
  db: Queryable,
  records: AttemptRecord[],
  health: HealthPolicy,
): Promise<EndpointHealthChange[]> {
  await insertRows(
    db,
    attempts,
    records.map((record) => record.result.attempt),
  );
  await updateAttemptedDeliveries(db, records);
  const endpointIds = [...new Set(records.map((record) => record.endpointId))];
  const rows = await db
    .select({ id: endpoints.id, failingSince: endpoints.failingSince, enabled: endpoints.enabled })
    .from(endpoints)
    .where(inArray(endpoints.id, endpointIds));
  const states = new Map(rows.map((row) => [row.id, { ...row, changed: false, reason: "" }]));
  const changes = records.map((record) => {
    const state = states.get(record.endpointId);
    return state ? applyHealth(state, record, health) : { recovered: false, disabled: undefined };
  });
  const updatedAt = Math.max(...records.map((record) => record.now));
  for (const [id, state] of states) {
    if (!state.changed) continue;
    await db
      .update(endpoints)
      .set({
        failingSince: state.failingSince,
        updatedAt,
        ...(state.reason ? { enabled: false, disabledReason: state.reason } : {}),
      })
      .where(eq(endpoints.id, id));
  }
  return changes;
}

/**
 * One UPDATE … FROM (VALUES …) for all of them. A delivery cancelled (endpoint deleted) while
 * in flight stays cancelled, but the attempt it made still counts: the receiver may have got it.
 */
async function updateAttemptedDeliveries(db: Queryable, records: AttemptRecord[]): Promise<void> {
  for (let start = 0; start < records.length; start += 500) {
    const chunk = records.slice(start, start + 500);
    const args = chunk.flatMap(({ deliveryId, result: { delivery }, now }) => [
      deliveryId,
      delivery.status,
      delivery.nextAttemptAt,
      delivery.finishedAt,
      delivery.scheduleStep,
      delivery.lastStatusCode,
      delivery.lastError,
      now,
    ]);
    const rows = Array(chunk.length).fill("(?, ?, ?, ?, ?, ?, ?, ?)").join(", ");
    await runStatement(db, updateAttemptedSql(rows), args);
  }
}

function updateAttemptedSql(rows: string): string {
  return `UPDATE deliveries SET
      status = CASE WHEN status = 'pending' THEN v.column2 ELSE status END,
      next_attempt_at = CASE WHEN status = 'pending' THEN v.column3 ELSE NULL END,
      finished_at = CASE WHEN status = 'pending' THEN v.column4 ELSE finished_at END,
      schedule_step = v.column5, last_status_code = v.column6, last_error = v.column7,
      attempt_count = attempt_count + 1, lease_until = NULL, updated_at = v.column8
    FROM (VALUES ${rows}) AS v
    WHERE deliveries.id = v.column1`;
}

interface EndpointHealthState {
  failingSince: number | null;
  enabled: boolean;
  changed: boolean;
  /** The reason to store when an attempt of this batch disabled the endpoint. */
  reason: string;
}

function applyHealth(
  state: EndpointHealthState,
  record: AttemptRecord,
  health: HealthPolicy,
): EndpointHealthChange {
  const { result, now } = record;
  const change: EndpointHealthChange = { recovered: false, disabled: undefined };
  const succeeded = result.delivery.status === "succeeded";
  const before = state.failingSince;
  let failingSince = before;
  if (succeeded && failingSince !== null) {
    // Only a run of failures that lasted is news; a lone 503 between successes is not.
    change.recovered = now - failingSince >= health.recoveryReportAfterMs;
    failingSince = null;
  } else if (!succeeded && record.countsAsFailure && failingSince === null) {
    failingSince = now;
  }
  if (result.disableEndpoint) change.disabled = "gone";
  else if (
    state.enabled &&
    failingSince !== null &&
    now - failingSince >= health.autoDisableAfterMs
  ) {
    change.disabled = "failing";
  }
  state.failingSince = failingSince;
  if (failingSince !== before || change.disabled) state.changed = true;
  if (change.disabled) {
    state.reason = change.disabled;
    // Disabling an endpoint already disabled is not news.
    if (!state.enabled) change.disabled = undefined;
    state.enabled = false;
  }
  return change;
}

/** A transform chose not to send this event to this endpoint. */
export async function markDeliverySkipped(db: Queryable, id: string, now: number): Promise<void> {
  await db
    .update(deliveries)
    .set({
      status: "skipped",
      nextAttemptAt: null,
      leaseUntil: null,
      lastError: "skipped_by_transform",
      updatedAt: now,
      finishedAt: now,
    })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, "pending")));
}
