/**
 * Sources that take credentials instead of signatures: HTTP Basic, a shared token in a header
 * or the query, and `none`. The credential is checked and never forwarded.
 */
import { describe, expect, test } from "bun:test";
import {
  countEvents,
  createPipe,
  expectSignatureRejected,
  type InboundEvent,
  ingest,
  ingestAccepted,
  waitForArrival,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const { relay, receivers } = relayPerFile();

describe("credentials instead of signatures", () => {
  const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`;

  test("basic accepts the right user:password and never forwards Authorization", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "basic", secrets: ["relay:correct horse battery staple"] },
    });
    const body = '{"type":"basic.ping"}';
    const headers = {
      "content-type": "application/json",
      authorization: basic("relay:correct horse battery staple"),
    };
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers });
    const arrived = await waitForArrival(pipe.receiver, eventId);

    expect(arrived.headers.authorization).toBeUndefined();
    expect(arrived.body).toBe(body);
    const before = await countEvents(relay);
    const wrong = { ...headers, authorization: basic("relay:Tr0ub4dor&3") };
    await expectSignatureRejected(
      await ingest(relay, pipe.source.name, { body, headers: wrong }),
      "bad_signature",
    );
    const none = { "content-type": "application/json" };
    await expectSignatureRejected(
      await ingest(relay, pipe.source.name, { body, headers: none }),
      "missing_signature",
    );
    expect(await countEvents(relay)).toBe(before);
  }, 30_000);

  test("token reads a header, strips Bearer, and does not forward it", async () => {
    const token = "tok_9d8c7b6a5f4e3d2c1b0a";
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "token", secrets: [token], options: { header: "x-webhook-token" } },
    });
    const body = '{"type":"token.header"}';
    const plain = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: { "content-type": "application/json", "x-webhook-token": token },
    });
    await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: { "content-type": "application/json", "x-webhook-token": `Bearer ${token}` },
    });

    const arrived = await waitForArrival(pipe.receiver, plain.eventId);
    expect(arrived.headers["x-webhook-token"]).toBeUndefined();
    const wrong = { "x-webhook-token": "tok_guessed" };
    await expectSignatureRejected(
      await ingest(relay, pipe.source.name, { body, headers: wrong }),
      "bad_signature",
    );
    await expectSignatureRejected(
      await ingest(relay, pipe.source.name, { body }),
      "missing_signature",
    );
  }, 30_000);

  test("token reads a query parameter", async () => {
    const token = "tok_in_the_query_string_0001";
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "token", secrets: [token], options: { query: "token" } },
    });
    const body = '{"type":"token.query"}';
    const headers = { "content-type": "application/json" };
    const { eventId } = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers,
      query: `token=${token}`,
    });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(arrived.path).toBe("/hooks");
    const wrong = await ingest(relay, pipe.source.name, { body, headers, query: "token=nope" });
    await expectSignatureRejected(wrong, "bad_signature");
    const missing = await ingest(relay, pipe.source.name, { body, headers, query: "other=1" });
    await expectSignatureRejected(missing, "missing_signature");
  }, 30_000);

  test("none accepts anything, typed by the body's type", async () => {
    const pipe = await createPipe(relay, receivers, { verifier: { scheme: "none" } });
    const body = '{"type":"anything.goes","n":1}';
    const { eventId } = await ingestAccepted(relay, pipe.source.name, {
      body,
      headers: { "content-type": "application/json" },
    });

    await waitForArrival(pipe.receiver, eventId);
    const event: InboundEvent = await relay.json(`/v1/events/${eventId}`);
    expect(event).toMatchObject({
      type: "anything.goes",
      payload: { type: "anything.goes", n: 1 },
    });
  }, 30_000);
});
