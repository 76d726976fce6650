/**
 * Handing new deliveries straight to the scheduler. A publish that finds free slots writes
 * its deliveries already leased, and once the transaction commits the scheduler starts them
 * from memory: no claim transaction, no second fsync before the first attempt, no re-reading
 * the event it just wrote. Whatever finds no slot is written unleased and claimed as before.
 */
import type { ClaimedDelivery } from "../db/claim-store.ts";
import type { DeliveryRow, EndpointRow, EventRow } from "../db/schema.ts";

/** Free slots as seen when a transaction is built; each `take` spends one. */
export interface HandoffBudget {
  /** True when `deliveryId` may be written leased to this process and started after commit. */
  take(endpoint: Pick<EndpointRow, "id" | "rateLimitPerSecond">, deliveryId: string): boolean;
  /** What a handed-off row's `lease_until` is set to. */
  readonly leaseUntil: number;
}

export interface DeliveryHandoff {
  budget(): HandoffBudget;
  /** The leased rows committed: start them, or give back the ones that no longer fit. */
  adopt(deliveries: ClaimedDelivery[]): void;
  /** Unleased deliveries committed: the scheduler should look for them. */
  wake(): void;
  /**
   * Deliveries a write leased to this process but did not confirm (its commit or its sync
   * failed): forget them and free their leases, so that a claim finds whatever the table
   * does hold now rather than after the lease runs out.
   */
  release(deliveryIds: string[]): void;
}

/**
 * After the commit of new deliveries (`written`, none for a replay or duplicate): start the
 * leased ones, and wake the scheduler for the rest, which wait in the table.
 */
export function handOver(
  handoff: DeliveryHandoff,
  handedOff: ClaimedDelivery[],
  written: number,
): void {
  if (handedOff.length > 0) handoff.adopt(handedOff);
  if (written > handedOff.length) handoff.wake();
}

/**
 * Waits for the write that leased `leased` (ids it adds to while it runs) and frees what it
 * did not confirm: every one when it failed, and when it succeeded, those of a first try that
 * was rolled back (the write queue runs an item again alone when its batch's statements fail).
 */
export async function confirmLeases<T extends { handedOff: ClaimedDelivery[] }>(
  handoff: DeliveryHandoff,
  leased: string[],
  write: Promise<T>,
): Promise<T> {
  let written: T;
  try {
    written = await write;
  } catch (error) {
    if (leased.length > 0) handoff.release(leased);
    throw error;
  }
  const kept = new Set(written.handedOff.map((delivery) => delivery.id));
  const stale = leased.filter((id) => !kept.has(id));
  if (stale.length > 0) handoff.release(stale);
  return written;
}

/** Never takes anything: every delivery is claimed the ordinary way. */
export const claimOnly: DeliveryHandoff = {
  budget: () => ({ take: () => false, leaseUntil: 0 }),
  adopt: () => {},
  wake: () => {},
  release: () => {},
};

/** The same facts a claim would read back, built from the rows the publish just wrote. */
export function handedOffDelivery(
  event: EventRow,
  endpoint: EndpointRow,
  delivery: DeliveryRow,
): ClaimedDelivery {
  return {
    id: delivery.id,
    eventId: event.id,
    eventType: event.type,
    eventCreatedAt: event.createdAt,
    isEnvelope: event.sourceId === null,
    eventHeaders: event.headers ?? {},
    endpointId: endpoint.id,
    signing: endpoint.signing,
    transform: endpoint.transform,
    rateLimitPerSecond: endpoint.rateLimitPerSecond,
    attemptCount: delivery.attemptCount,
    scheduleStep: delivery.scheduleStep,
    body: event.body,
    contentType: event.contentType,
    url: endpoint.url,
    headers: endpoint.headers,
    secret: endpoint.secret,
    previousSecrets: endpoint.previousSecrets,
  };
}
