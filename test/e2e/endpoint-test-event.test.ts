/**
 * POST /v1/endpoints/:id/test sends one signed event to that endpoint alone, whatever its
 * event-type filter: the receiver verifies it with the npm standardwebhooks verifier, no
 * other endpoint gets it, and its delivery can be read back like any other.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import {
  createEndpoint,
  expectProblem,
  unknownId,
  verifySignature,
  waitForRequests,
  waitForStatus,
} from "./api-fixtures.ts";

let relay: Relay;

beforeAll(async () => {
  relay = await startRelay();
});

afterAll(async () => {
  await relay.stop();
});

const sendTest = (id: string, body?: unknown) =>
  relay.api(`/v1/endpoints/${id}/test`, { method: "POST", ...(body ? { json: body } : {}) });

describe("test events", () => {
  test("reach only the endpoint asked for, signed, whatever its filter", async () => {
    using target = startReceiver();
    using bystander = startReceiver();
    const endpoint = await createEndpoint(relay, { url: target.url, eventTypes: ["invoice.*"] });
    await createEndpoint(relay, { url: bystander.url });
    const response = await sendTest(endpoint.id);
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { eventId: string; deliveryId: string };

    const [request] = await waitForRequests(target, 1);
    expect(request!.headers["webhook-id"]).toBe(answer.eventId);
    expect(verifySignature(endpoint.secret, request!)).toMatchObject({
      type: "hookrelay.test",
      data: { message: "A test event from hookrelay" },
    });
    const delivery = await waitForStatus(relay, answer.deliveryId, "succeeded");
    expect(delivery).toMatchObject({ endpointId: endpoint.id, eventId: answer.eventId });
    const event = await relay.json<{ deliveries: { endpointId: string }[] }>(
      `/v1/events/${answer.eventId}`,
    );
    expect(event.deliveries.map((d) => d.endpointId)).toEqual([endpoint.id]);
    expect(bystander.requests).toHaveLength(0);
  });

  test("sends the type and payload given", async () => {
    using target = startReceiver();
    const endpoint = await createEndpoint(relay, { url: target.url });
    const response = await sendTest(endpoint.id, { type: "invoice.paid", payload: { n: 42 } });
    expect(response.status).toBe(202);
    const [request] = await waitForRequests(target, 1);
    expect(verifySignature(endpoint.secret, request!)).toMatchObject({
      type: "invoice.paid",
      data: { n: 42 },
    });
  });

  test("refuses an unknown endpoint, a disabled one and a bad type with problem+json", async () => {
    await expectProblem(await sendTest(unknownId("ep")), { status: 404, slug: "not-found" });
    const endpoint = await createEndpoint(relay, { url: "http://127.0.0.1:9/hook" });
    await relay.api(`/v1/endpoints/${endpoint.id}`, { method: "PATCH", json: { enabled: false } });
    await expectProblem(await sendTest(endpoint.id), { status: 409, slug: "endpoint-disabled" });
    await expectProblem(await sendTest(endpoint.id, { type: "no spaces" }), {
      status: 422,
      slug: "validation-failed",
      field: "/type",
    });
  });
});
