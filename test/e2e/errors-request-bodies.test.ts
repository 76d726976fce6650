/**
 * Request bodies the relay cannot take: malformed or non-UTF-8 JSON, the wrong media type,
 * bodies over HOOKRELAY_MAX_BODY (declared or chunked) and JSON nested too deep. Each gets its
 * problem+json 4xx and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Relay, startRelay } from "../support/relay.ts";
import { type Page, expectProblem } from "./api-fixtures.ts";

const maxBodyBytes = 4096;

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay({ env: { HOOKRELAY_MAX_BODY: String(maxBodyBytes) } });
});
afterAll(() => relay.stop());

type RawBody = string | Uint8Array | ReadableStream<Uint8Array>;
const postRaw = (path: string, body: RawBody, contentType = "application/json") =>
  relay.api(path, { method: "POST", body, headers: { "content-type": contentType } });

const listEvents = () => relay.json<Page<{ id: string }>>("/v1/events?limit=250");

describe("malformed bodies", () => {
  test.each([
    ["truncated JSON", '{"url":'],
    ["trailing garbage", '{"url":"http://127.0.0.1:9/"} x'],
    ["a bare word", "hello"],
  ])("answers 400 malformed-json for %s", async (_label, body) => {
    const response = await postRaw("/v1/endpoints", body);
    await expectProblem(response, { status: 400, slug: "malformed-json" });
  });

  test("answers 400 malformed-json for a body that is not UTF-8", async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    await expectProblem(await postRaw("/v1/events", bytes), {
      status: 400,
      slug: "malformed-json",
    });
  });

  test("answers 415 for a body that is not application/json", async () => {
    const body = JSON.stringify({ type: "a.b", payload: {} });
    await expectProblem(await postRaw("/v1/events", body, "text/plain"), {
      status: 415,
      slug: "unsupported-media-type",
    });
  });

  test("accepts application/json with a charset parameter", async () => {
    const body = JSON.stringify({ type: "charset.ok", payload: {} });
    const response = await postRaw("/v1/events", body, "application/json; charset=utf-8");
    expect(response.status).toBe(202);
  });
});

describe("body size", () => {
  /** A publish body of exactly `bytes` bytes. */
  const eventOfSize = (bytes: number) => {
    const empty = JSON.stringify({ type: "size.check", payload: "" });
    return JSON.stringify({ type: "size.check", payload: "p".repeat(bytes - empty.length) });
  };

  test("accepts a body of exactly HOOKRELAY_MAX_BODY bytes", async () => {
    const body = eventOfSize(maxBodyBytes);
    expect(body.length).toBe(maxBodyBytes);
    expect((await postRaw("/v1/events", body)).status).toBe(202);
  });

  test("refuses a body one byte over HOOKRELAY_MAX_BODY with 413 and stores nothing", async () => {
    const before = await listEvents();
    const body = eventOfSize(maxBodyBytes + 1);
    await expectProblem(await postRaw("/v1/events", body), {
      status: 413,
      slug: "payload-too-large",
    });
    expect(await listEvents()).toEqual(before);
  });

  test("refuses an oversized chunked body sent without content-length", async () => {
    const before = await listEvents();
    const chunk = new TextEncoder().encode(" ".repeat(512));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"type":"chunked","payload":"'));
        for (let n = 0; n < 10; n++) controller.enqueue(chunk);
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
      },
    });
    const response = await postRaw("/v1/events", stream);
    await expectProblem(response, { status: 413, slug: "payload-too-large" });
    expect(await listEvents()).toEqual(before);
  });

  test("accepts a small chunked body sent without content-length", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"type":"chunked.small",'));
        controller.enqueue(new TextEncoder().encode('"payload":{"ok":true}}'));
        controller.close();
      },
    });
    expect((await postRaw("/v1/events", stream)).status).toBe(202);
  });
});

test("refuses JSON nested deeper than 128 levels with a 422 and stores nothing", async () => {
  await using relay = await startRelay();
  const deep = `${"[".repeat(129)}${"]".repeat(129)}`;
  const response = await relay.api("/v1/events", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: `{"type":"deep.event","payload":${deep}}`,
  });
  expect(response.status).toBe(422);
  expect(((await response.json()) as { field: string }).field).toBe("/");
  const shallow = `${"[".repeat(100)}${"]".repeat(100)}`;
  const accepted = await relay.api("/v1/events", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: `{"type":"deep.event","payload":${shallow}}`,
  });
  expect(accepted.status).toBe(202);
}, 30_000);
