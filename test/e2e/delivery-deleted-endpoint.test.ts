/**
 * Deliveries of a deleted endpoint can never be attempted again (claims skip deleted
 * endpoints), so a retry refuses them, replay leaves them and the dead-letter list hides them;
 * a disabled endpoint's deliveries are held until it is enabled again.
 */
import { describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import {
  type Delivery,
  type Page,
  createEndpoint,
  expectProblem,
  getDelivery,
  publish,
  waitForRequests,
  waitForStatus,
} from "./api-fixtures.ts";
import { parseMetrics } from "./ops-support.ts";

const reply = (status: number) => () => new Response("", { status });

async function scrape(relay: Relay): Promise<Map<string, number>> {
  return parseMetrics(await (await relay.api("/metrics")).text());
}

const retry = (relay: Relay, id: string) =>
  relay.api(`/v1/deliveries/${id}/retry`, { method: "POST" });

const replay = (relay: Relay, json: unknown) =>
  relay.api("/v1/dead-letters/replay", { method: "POST", json });

const deleteEndpoint = async (relay: Relay, id: string) =>
  expect((await relay.api(`/v1/endpoints/${id}`, { method: "DELETE" })).status).toBe(204);

describe("a deleted endpoint", () => {
  test("refuses to retry its cancelled delivery with 409 endpoint-deleted", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_RETRY_SCHEDULE: "1h" } });
    using receiver = startReceiver(reply(500));
    const endpoint = await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "orphan.retry", payload: {} });
    const deliveryId = published.body.deliveries[0]!.id;
    await waitForRequests(receiver, 1, "the first attempt");
    await deleteEndpoint(relay, endpoint.id);
    await waitForStatus(relay, deliveryId, "cancelled");

    const problem = await expectProblem(await retry(relay, deliveryId), {
      status: 409,
      slug: "endpoint-deleted",
    });
    expect(problem.title).toBe("The delivery's endpoint was deleted");
    expect(problem.detail).toBe(
      `Delivery ${deliveryId} cannot be retried: its endpoint ${endpoint.id} was deleted`,
    );
    expect(await getDelivery(relay, deliveryId)).toMatchObject({
      status: "cancelled",
      nextAttemptAt: null,
    });
    const metrics = await scrape(relay);
    expect(metrics.get('hookrelay_outbox_deliveries{status="pending"}')).toBe(0);
    expect(metrics.get("hookrelay_outbox_oldest_due_wait_seconds")).toBe(0);
  });

  test("keeps its dead letters out of the list, the replay and a retry", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_RETRY_SCHEDULE: "50ms" } });
    using receiver = startReceiver(reply(500));
    const gone = await createEndpoint(relay, { url: receiver.url, eventTypes: ["gone"] });
    await createEndpoint(relay, { url: receiver.url, eventTypes: ["kept"] });
    const since = new Date().toISOString();
    const goneId = (await publish(relay, { type: "gone", payload: {} })).body.deliveries[0]!.id;
    const keptId = (await publish(relay, { type: "kept", payload: {} })).body.deliveries[0]!.id;
    await waitForStatus(relay, goneId, "dead");
    await waitForStatus(relay, keptId, "dead");
    await deleteEndpoint(relay, gone.id);

    const letters = await relay.json<Page<Delivery>>("/v1/dead-letters");
    expect(letters.data.map((d) => d.id)).toEqual([keptId]);
    const history = await relay.json<Page<Delivery>>("/v1/deliveries?status=dead");
    expect(history.data.map((d) => d.id).toSorted()).toEqual([goneId, keptId].toSorted());

    expect(await (await replay(relay, { since })).json()).toEqual({ replayed: 1, skipped: 1 });
    expect(await getDelivery(relay, goneId)).toMatchObject({ status: "dead" });
    expect((await getDelivery(relay, keptId)).status).not.toBe("dead");
    await expectProblem(await replay(relay, { endpointId: gone.id }), {
      status: 409,
      slug: "endpoint-deleted",
    });
    await expectProblem(await retry(relay, goneId), { status: 409, slug: "endpoint-deleted" });
    expect(await getDelivery(relay, goneId)).toMatchObject({ status: "dead" });
  });
});

describe("a disabled endpoint", () => {
  test("holds a retried delivery, outside the due-wait gauge, until enabled", async () => {
    await using relay = await startRelay({ env: { HOOKRELAY_RETRY_SCHEDULE: "50ms" } });
    using receiver = startReceiver(reply(500));
    const endpoint = await createEndpoint(relay, { url: receiver.url });
    const published = await publish(relay, { type: "held", payload: {} });
    const deliveryId = published.body.deliveries[0]!.id;
    await waitForStatus(relay, deliveryId, "dead");
    const patch = (enabled: boolean) =>
      relay.json(`/v1/endpoints/${endpoint.id}`, { method: "PATCH", json: { enabled } });
    await patch(false);

    const answer = await retry(relay, deliveryId);
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ status: "pending" });
    const held = await getDelivery(relay, deliveryId);
    const metrics = await scrape(relay);
    expect(metrics.get('hookrelay_outbox_deliveries{status="pending"}')).toBe(1);
    expect(metrics.get("hookrelay_outbox_oldest_due_wait_seconds")).toBe(0);
    expect(held).toMatchObject({ status: "pending", attemptCount: 2 });

    receiver.respondWith(reply(204));
    await patch(true);
    const sent = await waitForStatus(relay, deliveryId, "succeeded");
    expect(sent.attemptCount).toBe(3);
  });
});
