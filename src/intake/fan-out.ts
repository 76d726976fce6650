/** One pending delivery per target endpoint whose event-type filter matches the event. */
import type { Tx } from "../db/client.ts";
import { insertDeliveries } from "../db/delivery-store.ts";
import { newId } from "../db/ids.ts";
import type { DeliveryRow, EndpointRow, EventRow } from "../db/schema.ts";
import { matchesEventType } from "./event-type-filter.ts";

export async function createDeliveries(
  tx: Tx,
  event: EventRow,
  targets: Pick<EndpointRow, "id" | "eventTypes">[],
  now: number,
): Promise<DeliveryRow[]> {
  const rows: DeliveryRow[] = targets
    .filter((endpoint) => matchesEventType(endpoint.eventTypes, event.type))
    .map((endpoint) => ({
      id: newId("dlv"),
      eventId: event.id,
      endpointId: endpoint.id,
      status: "pending",
      attemptCount: 0,
      scheduleStep: 0,
      nextAttemptAt: now,
      leaseUntil: null,
      lastStatusCode: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    }));
  await insertDeliveries(tx, rows);
  return rows;
}
