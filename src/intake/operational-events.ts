/**
 * Operational webhooks: `delivery.dead`, `endpoint.disabled` and `endpoint.recovered` are sent
 * to an operator's URL (HOOKRELAY_OPERATIONAL_WEBHOOK_URL), signed the Standard Webhooks way
 * with HOOKRELAY_OPERATIONAL_WEBHOOK_SECRET. They travel through the same outbox as every
 * other event (written in the transaction that records the change, so none is lost), to an
 * internal endpoint that never receives published events. Nothing is emitted about the
 * operational endpoint's own deliveries, so a dead operator URL cannot feed itself.
 */
import type { Tx } from "../db/client.ts";
import type { EndpointHealthChange } from "../db/attempt-store.ts";
import { findEndpoint, insertEndpoint, updateEndpoint } from "../db/endpoint-store.ts";
import { insertEvent } from "../db/event-store.ts";
import type { WriteQueue } from "../db/write-queue.ts";
import { generateEndpointSecret } from "../signing/endpoint-secret.ts";
import { createDeliveries } from "./fan-out.ts";
import { publishedEvent } from "./published-event.ts";

export const operationalEndpointId = "ep_operational";
/** Marks the endpoint as internal, like a source's inline destination. */
const operationalOwner = "hookrelay:operational";

export interface OperationalSettings {
  url: string | undefined;
  secret: string | undefined;
}

/** Creates, updates or disables the internal endpoint to match the settings. */
export async function configureOperationalEndpoint(
  writer: WriteQueue,
  settings: OperationalSettings,
  now = Date.now(),
): Promise<void> {
  await writer.run(async (tx) => {
    const current = await findEndpoint(tx, operationalEndpointId);
    if (!settings.url) {
      if (current?.enabled) {
        await updateEndpoint(
          tx,
          operationalEndpointId,
          { enabled: false, disabledReason: "api" },
          now,
        );
      }
      return;
    }
    if (current) {
      await updateEndpoint(
        tx,
        operationalEndpointId,
        {
          url: settings.url,
          enabled: true,
          disabledReason: null,
          ...(settings.secret ? { secret: settings.secret } : {}),
        },
        now,
      );
      return;
    }
    await insertEndpoint(tx, {
      id: operationalEndpointId,
      url: settings.url,
      description: "hookrelay operational webhooks",
      eventTypes: [],
      headers: {},
      secret: settings.secret ?? generateEndpointSecret(),
      enabled: true,
      sourceId: operationalOwner,
      createdAt: now,
      updatedAt: now,
    });
  });
}

export interface AttemptFacts {
  deliveryId: string;
  eventId: string;
  endpointId: string;
  dead: boolean;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
}

/** Queues the operational events an attempt's outcome calls for; returns how many. */
export async function emitOperationalEvents(
  tx: Tx,
  facts: AttemptFacts,
  change: EndpointHealthChange,
  now: number,
): Promise<number> {
  if (facts.endpointId === operationalEndpointId) return 0;
  const events: [string, Record<string, unknown>][] = [];
  const endpoint = { endpointId: facts.endpointId };
  if (facts.dead) {
    const { endpointId: _, ...rest } = facts;
    events.push(["delivery.dead", { ...endpoint, ...rest }]);
  }
  if (change.disabled) events.push(["endpoint.disabled", { ...endpoint, reason: change.disabled }]);
  if (change.recovered) events.push(["endpoint.recovered", endpoint]);
  // Most attempts change nothing worth reporting; only then look the endpoint up.
  if (events.length === 0) return 0;
  const operational = await findEndpoint(tx, operationalEndpointId);
  if (!operational?.enabled) return 0;
  for (const [type, data] of events) {
    const event = publishedEvent({ type, payload: data, now });
    await insertEvent(tx, event);
    await createDeliveries(tx, event, [operational], now);
  }
  return events.length;
}
