/** One pending delivery per target endpoint whose event-type filter matches the event. */
import type { Tx } from "../db/client.ts";
import { insertDeliveries } from "../db/delivery-store.ts";
import { newId } from "../db/ids.ts";
import type { ClaimedDelivery } from "../db/claim-store.ts";
import type { DeliveryRow, EndpointRow, EventRow } from "../db/schema.ts";
import { type HandoffBudget, handedOffDelivery } from "../scheduler/handoff.ts";
import { matchesEventType } from "./event-type-filter.ts";

type Target = Pick<EndpointRow, "id" | "eventTypes">;

export async function createDeliveries(
  tx: Tx,
  event: EventRow,
  targets: Target[],
  now: number,
): Promise<DeliveryRow[]> {
  const rows = planDeliveries(event, targets, now).map(({ delivery }) => delivery);
  await insertDeliveries(tx, rows);
  return rows;
}

/** The rows `createDeliveries` would write, each beside its endpoint, written by the caller. */
export function planDeliveries<T extends Target>(
  event: EventRow,
  targets: T[],
  now: number,
): { endpoint: T; delivery: DeliveryRow }[] {
  return targets
    .filter((endpoint) => matchesEventType(endpoint.eventTypes, event.type))
    .map((endpoint) => ({
      endpoint,
      delivery: {
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
      },
    }));
}

/**
 * Plans the event's deliveries for the caller to write, leasing those the budget has a slot
 * for: those are also returned ready to send, for the scheduler to start after the commit.
 */
export function planHandoff(
  event: EventRow,
  targets: EndpointRow[],
  now: number,
  budget: HandoffBudget,
): { deliveries: DeliveryRow[]; handedOff: ClaimedDelivery[] } {
  const handedOff: ClaimedDelivery[] = [];
  const deliveries = planDeliveries(event, targets, now).map(({ endpoint, delivery }) => {
    if (!budget.take(endpoint, delivery.id)) return delivery;
    const leased = { ...delivery, leaseUntil: budget.leaseUntil };
    handedOff.push(handedOffDelivery(event, endpoint, leased));
    return leased;
  });
  return { deliveries, handedOff };
}
