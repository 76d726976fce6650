/**
 * What a destination gets for an inbound event: the provider's headers through an allowlist
 * (byte-exact), never credentials or framing unless the source lists them (framing never),
 * hookrelay's own signature on top, no provider headers after a transform; what the sender
 * gets back (202 or the source's configured answer); and the usual retries, dead letters and
 * replay, with the original bytes on every attempt.
 */
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { startReceiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import {
  createPipe,
  createSource,
  githubHeaders,
  type InboundEvent,
  ingest,
  ingestAccepted,
  newWhsec,
  sha256Hex,
  uniqueSourceName,
  waitForArrival,
} from "../fixtures/inbound/inbound-fixtures.ts";
import {
  createEndpoint,
  type Delivery,
  type Page,
  publish,
  waitForStatus,
} from "./api-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const secret = "forwarding-github-secret";

const { relay, receivers } = relayPerFile();

const body = '{"action":"opened","issue":{"title":"Zoë\'s 🐛"}}';
const signature = (bytes: string) =>
  `sha256=${createHmac("sha256", secret).update(bytes).digest("hex")}`;
const github = { verifier: { scheme: "github", secrets: [secret] } };

/** A GitHub delivery that also carries what a proxy or a browser might have added. */
function crowdedHeaders(): Record<string, string> {
  return {
    ...githubHeaders("issues", crypto.randomUUID(), signature(body)),
    "x-github-odd": 'a,  b;"c"=d  e',
    "x-request-id": "req-7f3a",
    authorization: "Bearer upstream-proxy-credential",
    "proxy-authorization": "Basic cHJveHk6cGFzcw==",
    cookie: "session=s3cr3t; theme=dark",
    "x-forwarded-for": "203.0.113.7",
    "x-real-ip": "203.0.113.7",
    "x-tenant": "acme",
    forwarded: "for=203.0.113.7",
    "webhook-id": "msg_spoofed_by_the_sender",
  };
}

describe("forwarded headers", () => {
  test("forwards the provider's headers byte-exact and drops everything else", async () => {
    const pipe = await createPipe(relay, receivers, github);
    const sent = crowdedHeaders();
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers: sent });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    const providerNames = Object.keys(sent).filter((n) =>
      /^x-(github|hub)-|^x-request-id$/.test(n),
    );
    for (const name of providerNames) {
      expect({ name, value: arrived.headers[name] }).toEqual({ name, value: sent[name] });
    }
    for (const name of [
      "authorization",
      "proxy-authorization",
      "cookie",
      "x-forwarded-for",
      "x-real-ip",
      "x-tenant",
      "forwarded",
    ]) {
      expect({ name, value: arrived.headers[name] }).toEqual({ name, value: undefined });
    }
    expect(arrived.headers["user-agent"]).toStartWith("hookrelay/");
    expect(arrived.headers["content-type"]).toBe("application/json");
    expect(arrived.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
  }, 30_000);

  test("signs for the destination under its own webhook-id, whatever was sent", async () => {
    const pipe = await createPipe(relay, receivers, github);
    const sent = crowdedHeaders();
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers: sent });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(arrived.headers["webhook-id"]).toBe(eventId);
    expect(arrived.headers["x-original-webhook-id"]).toBe("msg_spoofed_by_the_sender");
    expect(new Webhook(pipe.destinationSecret).verify(arrived.body, arrived.headers)).toEqual(
      JSON.parse(body),
    );
  }, 30_000);

  test("forwards credentials the source lists in forwardHeaders, by any case", async () => {
    const pipe = await createPipe(relay, receivers, {
      ...github,
      forwardHeaders: ["Authorization", "X-Tenant", "cookie"],
    });
    const sent = crowdedHeaders();
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers: sent });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect({ ...arrived.headers }).toMatchObject({
      authorization: sent.authorization as string,
      "x-tenant": "acme",
      cookie: sent.cookie as string,
    });
    expect(arrived.headers["proxy-authorization"]).toBeUndefined();
  }, 30_000);

  test("never forwards framing headers, even when listed", async () => {
    const pipe = await createPipe(relay, receivers, {
      ...github,
      forwardHeaders: ["host", "content-length", "transfer-encoding", "connection", "te"],
    });
    const { eventId } = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: githubHeaders("issues", crypto.randomUUID(), signature(body)),
    });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(arrived.headers.host).toBe(new URL(pipe.receiver.url).host);
    expect(arrived.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(arrived.headers["transfer-encoding"]).toBeUndefined();
  }, 30_000);

  test("adds the destination's own custom headers", async () => {
    const pipe = await createPipe(relay, receivers, github, { headers: { "x-team": "payments" } });
    const { eventId } = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: githubHeaders("issues", crypto.randomUUID(), signature(body)),
    });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(arrived.headers["x-team"]).toBe("payments");
    expect(arrived.headers["x-hub-signature-256"]).toBe(signature(body));
  }, 30_000);

  test("sends a transform's body without the provider's headers", async () => {
    const pipe = await createPipe(relay, receivers, github, {
      transform: {
        plugin: "jsonata",
        options: { expression: '{"title": event.payload.issue.title, "type": event.type}' },
      },
    });
    const { eventId } = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: githubHeaders("issues", crypto.randomUUID(), signature(body)),
    });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(JSON.parse(arrived.body)).toEqual({ title: "Zoë's 🐛", type: "issues.opened" });
    expect(arrived.headers["content-type"]).toBe("application/json");
    for (const name of Object.keys(arrived.headers)) expect(name).not.toMatch(/^x-(github|hub)-/);
    expect(() =>
      new Webhook(pipe.destinationSecret).verify(arrived.body, arrived.headers),
    ).not.toThrow();
  }, 30_000);
});

describe("the answer to the sender", () => {
  test("answers 202 {id, duplicate} with hookrelay-event-id by default", async () => {
    const pipe = await createPipe(relay, receivers, github);
    const response = await ingest(relay, pipe.source.name, {
      body,
      headers: githubHeaders("issues", crypto.randomUUID(), signature(body)),
    });

    expect(response.status).toBe(202);
    const answer = (await response.json()) as { id: string; duplicate: boolean };
    expect(answer).toEqual({ id: expect.stringMatching(/^evt_/), duplicate: false });
    expect(response.headers.get("hookrelay-event-id")).toBe(answer.id);
  }, 30_000);

  test("answers with the source's configured status, body and content type", async () => {
    const pipe = await createPipe(relay, receivers, {
      ...github,
      response: { status: 200, body: '{"ok":true}', contentType: "application/json" },
    });
    const headers = githubHeaders("issues", crypto.randomUUID(), signature(body));
    const first = await ingest(relay, pipe.source.name, { body, headers });

    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("application/json");
    expect(await first.text()).toBe('{"ok":true}');
    const eventId = first.headers.get("hookrelay-event-id") ?? "";
    expect(eventId).toMatch(/^evt_/);
    await waitForArrival(pipe.receiver, eventId);

    const again = await ingest(relay, pipe.source.name, { body, headers });
    expect(again.status).toBe(200);
    expect(await again.text()).toBe('{"ok":true}');
    expect(again.headers.get("hookrelay-duplicate")).toBe("true");
    expect(again.headers.get("hookrelay-event-id")).toBe(eventId);
  }, 30_000);

  test("answers a configured 204 with no body, and plain text by default", async () => {
    const empty = await createPipe(relay, receivers, { ...github, response: { status: 204 } });
    const text = await createPipe(relay, receivers, {
      ...github,
      response: { status: 200, body: "thanks" },
    });
    const send = (name: string) =>
      ingest(relay, name, {
        body,
        headers: githubHeaders("issues", crypto.randomUUID(), signature(body)),
      });

    const noContent = await send(empty.source.name);
    expect(noContent.status).toBe(204);
    expect(await noContent.text()).toBe("");
    const thanks = await send(text.source.name);
    expect(thanks.status).toBe(200);
    expect(thanks.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await thanks.text()).toBe("thanks");
  }, 30_000);

  test("goes back to 202 when a PATCH clears the response", async () => {
    const pipe = await createPipe(relay, receivers, {
      ...github,
      response: { status: 200, body: "ok" },
    });
    await relay.json(`/v1/sources/${pipe.source.id}`, {
      method: "PATCH",
      json: { response: null },
    });

    await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: githubHeaders("issues", crypto.randomUUID(), signature(body)),
    });
  }, 30_000);
});

describe("delivery of inbound events", () => {
  test("retries a failed forward with the same bytes and provider headers", async () => {
    const pipe = await createPipe(relay, receivers, github);
    pipe.receiver.respondWith((_, index) =>
      index === 0 ? new Response("down", { status: 503 }) : new Response("ok"),
    );
    const headers = githubHeaders("issues", crypto.randomUUID(), signature(body));
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers });
    const event: { deliveries: Delivery[] } = await relay.json(`/v1/events/${eventId}`);
    const delivered = await waitForStatus(relay, event.deliveries[0]?.id as string, "succeeded");

    expect(delivered.attempts.map((a) => a.statusCode)).toEqual([503, 200]);
    const [first, second] = pipe.receiver.requests;
    expect(sha256Hex(second?.bodyBytes ?? new Uint8Array())).toBe(sha256Hex(body));
    expect(second?.bodyBytes).toEqual(first?.bodyBytes as Uint8Array);
    for (const name of ["x-hub-signature-256", "x-github-delivery", "webhook-id"]) {
      expect(second?.headers[name]).toBe(first?.headers[name] as string);
    }
  }, 30_000);

  test("dead-letters a destination that keeps failing and replays it byte-exact", async () => {
    const pipe = await createPipe(relay, receivers, github);
    pipe.receiver.respondWith(() => new Response("broken", { status: 500 }));
    const headers = githubHeaders("issues", crypto.randomUUID(), signature(body));
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers });
    const event: { deliveries: Delivery[] } = await relay.json(`/v1/events/${eventId}`);
    const deliveryId = event.deliveries[0]?.id as string;
    await waitForStatus(relay, deliveryId, "dead");

    const dead: Page<Delivery> = await relay.json(
      `/v1/dead-letters?endpointId=${pipe.destinationId}`,
    );
    expect(dead.data.map((d) => d.id)).toEqual([deliveryId]);
    pipe.receiver.respondWith(() => new Response("fixed"));
    const retried = await relay.api(`/v1/deliveries/${deliveryId}/retry`, { method: "POST" });
    expect(retried.status).toBe(202);
    await waitForStatus(relay, deliveryId, "succeeded");
    const last = pipe.receiver.requests.at(-1);
    expect(sha256Hex(last?.bodyBytes ?? new Uint8Array())).toBe(sha256Hex(body));
    expect(last?.headers["x-hub-signature-256"]).toBe(signature(body));
  }, 30_000);

  test("delivers to a referenced endpoint, which still gets published events", async () => {
    const receiver = startReceiver();
    receivers.push(receiver);
    const endpointSecret = newWhsec();
    const endpoint = await createEndpoint(relay, { url: receiver.url, secret: endpointSecret });
    const source = await createSource(relay, {
      name: uniqueSourceName("referenced"),
      ...github,
      destinations: [endpoint.id],
    });
    expect(source.destinations).toEqual([endpoint.id]);
    const { eventId } = await ingestAccepted(relay, source.name, {
      body,
      headers: githubHeaders("issues", crypto.randomUUID(), signature(body)),
    });
    const published = await publish(relay, { type: "outbound.too", payload: { n: 1 } });

    const inbound = await waitForArrival(receiver, eventId);
    expect(inbound.body).toBe(body);
    const outbound = await waitForArrival(receiver, published.body.id);
    expect(JSON.parse(outbound.body)).toMatchObject({ type: "outbound.too", data: { n: 1 } });
    const listed: InboundEvent = await relay.json(`/v1/events/${published.body.id}`);
    expect(listed.sourceId).toBeNull();
  }, 30_000);

  test("never sends a published event to a source's inline destination", async () => {
    const pipe = await createPipe(relay, receivers, github);
    const published = await publish(relay, { type: "outbound.only", payload: {} });

    const event: { deliveries: Delivery[] } = await relay.json(`/v1/events/${published.body.id}`);
    expect(event.deliveries.map((d) => d.endpointId)).not.toContain(pipe.destinationId);
    const { eventId } = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: githubHeaders("issues", crypto.randomUUID(), signature(body)),
    });
    await waitForArrival(pipe.receiver, eventId);
    await waitFor("the published event's deliveries to settle", async () => {
      const page: Page<Delivery> = await relay.json(
        `/v1/deliveries?eventId=${published.body.id}&status=pending`,
      );
      return page.data.length === 0;
    });
    expect(pipe.receiver.requests.map((r) => r.headers["webhook-id"])).toEqual([eventId]);
  }, 30_000);
});
