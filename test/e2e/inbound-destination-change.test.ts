/**
 * A source's inline destinations changed through PATCH /v1/sources/:id while an inbound
 * delivery waits in memory for a slot. The destination the PATCH drops is deleted and its
 * pending deliveries are cancelled (docs/inbound.md); the one waiting in memory was built from
 * the old row, so it must go back to the table, where it is cancelled, rather than go out.
 */
import { expect, test } from "bun:test";
import {
  createSource,
  ingestAccepted,
  uniqueSourceName,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { startHeldReceiver, startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { type Delivery, waitForRequests, waitForStatus, webhookIds } from "./api-fixtures.ts";

const plainJson = { body: '{"n":1}', headers: { "content-type": "application/json" } };

async function deliveryOf(relay: Relay, eventId: string): Promise<Delivery> {
  const event = await relay.json<{ deliveries: Delivery[] }>(`/v1/events/${eventId}`);
  const [delivery] = event.deliveries;
  if (!delivery) throw new Error(`event ${eventId} has no delivery`);
  return delivery;
}

test("cancels a delivery waiting in memory for the destination a PATCH drops", async () => {
  // One slot: the first event is in flight, the second waits in memory for the slot.
  const env = { HOOKRELAY_CONCURRENCY: "1", HOOKRELAY_ENDPOINT_CONCURRENCY: "1" };
  await using relay = await startRelay({ env });
  using dropped = startHeldReceiver();
  using replacement = startReceiver();
  const source = await createSource(relay, {
    name: uniqueSourceName("moving"),
    verifier: { scheme: "none" },
    destinations: [{ url: dropped.url }],
  });
  const first = await ingestAccepted(relay, source.name, plainJson);
  await waitForRequests(dropped, 1, "the first attempt to be in flight");
  const second = await ingestAccepted(relay, source.name, plainJson);

  await relay.json(`/v1/sources/${source.id}`, {
    method: "PATCH",
    json: { destinations: [{ url: replacement.url }] },
  });
  dropped.release();
  // One slot, so the third event goes out only after whatever the second did.
  const third = await ingestAccepted(relay, source.name, plainJson);
  await waitForStatus(relay, (await deliveryOf(relay, third.eventId)).id, "succeeded");
  // The attempt in flight at the PATCH finished as it started; nothing else went to the old URL.
  expect(webhookIds(dropped.requests)).toEqual([first.eventId]);
  expect(webhookIds(replacement.requests)).toEqual([third.eventId]);
  expect(await deliveryOf(relay, second.eventId)).toMatchObject({
    status: "cancelled",
    attemptCount: 0,
  });
}, 30_000);
