/**
 * A test event for one endpoint: what an operator sends after creating or changing an
 * endpoint, to see its receiver get a signed request and verify it. It is an ordinary
 * published event (stored, signed, retried, listed, with attempts to read back) that goes to
 * this endpoint alone, whatever its event-type filter, and to no other.
 */
import { createDeliveries } from "./fan-out.ts";
import { publishedEvent } from "./published-event.ts";
import { findEndpoint } from "../db/endpoint-store.ts";
import { insertEvent } from "../db/event-store.ts";
import type { DeliveryRow, EventRow } from "../db/schema.ts";
import type { WriteQueue } from "../db/write-queue.ts";
import { HookrelayError, notFound } from "../errors/hookrelay-error.ts";

export const defaultTestEvent = {
  type: "hookrelay.test",
  payload: { message: "A test event from hookrelay" },
};

export async function sendTestEvent(
  writer: WriteQueue,
  endpointId: string,
  request: { type: string; payload: unknown },
  now = Date.now(),
): Promise<{ event: EventRow; delivery: DeliveryRow }> {
  return writer.run(async (tx) => {
    const endpoint = await findEndpoint(tx, endpointId);
    if (!endpoint) throw notFound("endpoint", endpointId);
    if (!endpoint.enabled) {
      // Its deliveries would wait, unsent, until it is enabled: no test at all.
      throw new HookrelayError("ERR_ENDPOINT_DISABLED", "endpoint disabled", {
        detail: `Endpoint ${endpointId} is disabled; enable it (PATCH enabled: true) first`,
      });
    }
    const event = publishedEvent({ type: request.type, payload: request.payload, now });
    await insertEvent(tx, event);
    const [delivery] = await createDeliveries(
      tx,
      event,
      [{ id: endpoint.id, eventTypes: [] }],
      now,
    );
    return { event, delivery: delivery as DeliveryRow };
  });
}
