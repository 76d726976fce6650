/** Every class of bad input gets a problem+json 4xx, and a refused request changes nothing. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Relay, startRelay } from "../support/relay.ts";
import {
  type Endpoint,
  type Page,
  createEndpoint,
  expectProblem,
  publish,
  unknownId,
} from "./api-fixtures.ts";

const maxBodyBytes = 4096;
const exampleUrl = "http://127.0.0.1:9/hooks";

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay({ env: { HOOKRELAY_MAX_BODY: String(maxBodyBytes) } });
});
afterAll(() => relay.stop());

const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
  relay.api(path, { method: "POST", json, headers });
type RawBody = string | Uint8Array | ReadableStream<Uint8Array>;
const postRaw = (path: string, body: RawBody, contentType = "application/json") =>
  relay.api(path, { method: "POST", body, headers: { "content-type": contentType } });

const listEndpoints = () => relay.json<Page<Endpoint>>("/v1/endpoints?limit=250");
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

describe("validation", () => {
  test.each([
    ["a url that is a number", { url: 42 }, "/url"],
    ["a relative url", { url: "/hooks" }, "/url"],
    ["an ftp url", { url: "ftp://127.0.0.1/hooks" }, "/url"],
    ["a url with credentials", { url: "http://user:pass@127.0.0.1:9/hooks" }, "/url"],
    ["a url on port 0", { url: "http://example.com:0/hook" }, "/url"],
    ["eventTypes as a string", { url: exampleUrl, eventTypes: "invoice.*" }, "/eventTypes"],
    ["enabled as a string", { url: exampleUrl, enabled: "yes" }, "/enabled"],
    [
      "a description over 1,024 characters",
      { url: exampleUrl, description: "d".repeat(1025) },
      "/description",
    ],
    ["an unknown field", { url: exampleUrl, colour: "blue" }, "/colour"],
    ["a missing url", { description: "no url" }, "/url"],
  ])("refuses an endpoint with %s with 422 at the field", async (_label, body, field) => {
    await expectProblem(await post("/v1/endpoints", body), {
      status: 422,
      slug: "validation-failed",
      field,
    });
  });

  test.each([
    ["host"],
    ["Content-Type"],
    ["user-agent"],
    ["webhook-signature"],
    ["Webhook-Anything"],
  ])("refuses the reserved header name %s with 422", async (name) => {
    const response = await post("/v1/endpoints", { url: exampleUrl, headers: { [name]: "x" } });
    const problem = await expectProblem(response, { status: 422, slug: "validation-failed" });
    expect(problem.field).toStartWith("/headers");
  });

  test("lists every field at fault in errors", async () => {
    const response = await post("/v1/endpoints", { url: 1, enabled: "no", extra: true });
    const problem = await expectProblem(response, { status: 422, slug: "validation-failed" });
    const fields = (problem.errors as { field: string }[]).map((error) => error.field);
    expect(fields.toSorted()).toEqual(["/enabled", "/extra", "/url"]);
    expect(fields).toContain(problem.field as string);
  });

  test.each([
    ["a missing type", { payload: {} }, "/type"],
    ["a missing payload", { type: "a.b" }, "/payload"],
    ["a numeric type", { type: 5, payload: {} }, "/type"],
    ["a type with a space", { type: "invoice paid", payload: {} }, "/type"],
    ["an empty type", { type: "", payload: {} }, "/type"],
    ["a type over 255 characters", { type: "t".repeat(256), payload: {} }, "/type"],
    ["an id with a slash", { id: "a/b", type: "a.b", payload: {} }, "/id"],
    ["a numeric id", { id: 7, type: "a.b", payload: {} }, "/id"],
    ["an unknown field", { type: "a.b", payload: {}, priority: 1 }, "/priority"],
  ])("refuses an event with %s with 422 at the field", async (_label, body, field) => {
    await expectProblem(await post("/v1/events", body), {
      status: 422,
      slug: "validation-failed",
      field,
    });
  });

  test.each([
    ["over 255 characters", "k".repeat(256)],
    ["empty", ""],
  ])("refuses an Idempotency-Key that is %s with 422", async (_label, key) => {
    const response = await post(
      "/v1/events",
      { type: "a.b", payload: {} },
      {
        "idempotency-key": key,
      },
    );
    await expectProblem(response, {
      status: 422,
      slug: "validation-failed",
      field: "header:Idempotency-Key",
    });
  });

  test.each([
    ["an exponent past 308", '{"n":1e400}', ["/payload/n"]],
    ["a negative one inside an array and object", '[1,{"a/b":-1E+999}]', ["/payload/1/a~1b"]],
    ["400 digits", `{"big":${"9".repeat(400)}}`, ["/payload/big"]],
    [
      "100 arrays deep",
      `${"[".repeat(100)}1e400${"]".repeat(100)}`,
      ["/payload" + "/0".repeat(100)],
    ],
    ["two of them", '{"a":[2e308],"b":{"c":1e309}}', ["/payload/a/0", "/payload/b/c"]],
  ])(
    "refuses a payload number beyond a double, %s, at its pointer",
    async (_label, payload, at) => {
      const before = await listEvents();
      const response = await postRaw("/v1/events", `{"type":"t.x","payload":${payload}}`);
      const problem = await expectProblem(response, {
        status: 422,
        slug: "validation-failed",
        field: at[0],
      });
      expect((problem.errors as { field: string }[]).map((error) => error.field)).toEqual(at);
      expect(await listEvents()).toEqual(before);
    },
  );

  test("keeps a payload whose numbers and strings only look large", async () => {
    const payload = '{"max":1.7976931348623157e308,"tiny":1e-400,"id":"ab1e4000","n":1e+099}';
    const response = await postRaw("/v1/events", `{"type":"t.x","payload":${payload}}`);
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const event = await relay.json<{ payload: unknown }>(`/v1/events/${id}`);
    expect(event.payload).toEqual({
      max: 1.7976931348623157e308,
      tiny: 0,
      id: "ab1e4000",
      n: 1e99,
    });
  });

  test("refuses a PATCH that sets the secret or an unknown field", async () => {
    const endpoint = await createEndpoint(relay, { url: exampleUrl });
    const path = `/v1/endpoints/${endpoint.id}`;
    for (const [body, field] of [
      [{ secret: endpoint.secret }, "/secret"],
      [{ enabled: 1 }, "/enabled"],
      [{ id: "ep_other" }, "/id"],
    ] as const) {
      const response = await relay.api(path, { method: "PATCH", json: body });
      await expectProblem(response, { status: 422, slug: "validation-failed", field });
    }
  });

  test("refuses a PATCH to a url on port 0 and keeps the current url", async () => {
    const endpoint = await createEndpoint(relay, { url: exampleUrl });
    const path = `/v1/endpoints/${endpoint.id}`;
    const response = await relay.api(path, {
      method: "PATCH",
      json: { url: "http://127.0.0.1:00/hooks" },
    });
    const problem = await expectProblem(response, {
      status: 422,
      slug: "validation-failed",
      field: "/url",
    });
    expect(problem.detail).toContain("port 0");
    expect((await relay.json<Endpoint>(path)).url).toBe(exampleUrl);
  });

  test("refuses a rotation to an invalid secret and keeps the current one", async () => {
    const endpoint = await createEndpoint(relay, { url: exampleUrl });
    const response = await post(`/v1/endpoints/${endpoint.id}/rotate-secret`, {
      secret: "whsec_short",
    });
    await expectProblem(response, { status: 422, slug: "validation-failed", field: "/secret" });
    expect(await relay.json(`/v1/endpoints/${endpoint.id}/secret`)).toEqual({
      secret: endpoint.secret,
      previousSecret: null,
      previousSecretExpiresAt: null,
    });
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

describe("paths and query parameters", () => {
  test.each([
    [`/v1/endpoints/${unknownId("ep")}`],
    [`/v1/endpoints/${unknownId("ep")}/secret`],
    [`/v1/events/${unknownId("evt")}`],
    [`/v1/deliveries/${unknownId("dlv")}`],
  ])("answers 404 not-found for the unknown id in GET %s", async (path) => {
    await expectProblem(await relay.api(path), { status: 404, slug: "not-found" });
  });

  test.each([["/v1/endpoints/not-an-id"], ["/v1/deliveries/dlv_%20bad"], ["/v1/events/a%2Fb"]])(
    "answers 404 or 422 for the malformed id in GET %s",
    async (path) => {
      const response = await relay.api(path);
      const slug = response.status === 422 ? "validation-failed" : "not-found";
      await expectProblem(response, { status: response.status === 422 ? 422 : 404, slug });
    },
  );

  test.each([
    ["/v1/endpoints?limit=0", "query:limit"],
    ["/v1/endpoints?limit=251", "query:limit"],
    ["/v1/endpoints?limit=ten", "query:limit"],
    ["/v1/deliveries?limit=-1", "query:limit"],
    ["/v1/deliveries?status=bogus", "query:status"],
    ["/v1/events?cursor=%21%21not-a-cursor", "query:cursor"],
    ["/v1/dead-letters?limit=1.5", "query:limit"],
  ])("refuses GET %s with 422 at %s", async (path, field) => {
    await expectProblem(await relay.api(path), { status: 422, slug: "validation-failed", field });
  });

  test("a refused status filter lists the statuses there are", async () => {
    const problem = await expectProblem(await relay.api("/v1/deliveries?status=failed"), {
      status: 422,
      slug: "validation-failed",
      field: "query:status",
    });
    expect(problem.detail).toBe(
      'query:status: must be one of "pending", "succeeded", "dead", "cancelled" or "skipped"',
    );
  });

  test("answers an unknown route with a 404 problem", async () => {
    await expectProblem(await relay.api("/v1/widgets"), { status: 404, slug: "not-found" });
    await expectProblem(await relay.api("/nowhere"), { status: 404, slug: "not-found" });
  });
});

describe("authentication", () => {
  test.each([
    ["no Authorization header", undefined],
    ["a wrong token", "Bearer wrong-token-0123456789abcdef"],
    ["the token with a suffix", "Bearer test-token-0123456789abcdefX"],
    ["another scheme", "Basic dGVzdDp0ZXN0"],
    ["an empty bearer", "Bearer "],
  ])("answers 401 unauthorized with %s", async (_label, authorization) => {
    const headers = new Headers();
    if (authorization !== undefined) headers.set("authorization", authorization);
    const response = await fetch(`${relay.url}/v1/endpoints`, { headers });
    const problem = await expectProblem(response, { status: 401, slug: "unauthorized" });
    expect(JSON.stringify(problem)).not.toContain(relay.token);
  });

  test("refuses an unauthorized write and stores nothing", async () => {
    const before = await listEndpoints();
    const response = await fetch(`${relay.url}/v1/endpoints`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: exampleUrl }),
    });
    await expectProblem(response, { status: 401, slug: "unauthorized" });
    expect(await listEndpoints()).toEqual(before);
  });

  test("answers /healthz and /readyz without a token", async () => {
    const health = await fetch(`${relay.url}/healthz`);
    expect({ status: health.status, body: await health.json() }).toEqual({
      status: 200,
      body: { status: "ok" },
    });
    const ready = await fetch(`${relay.url}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 200,
      body: { status: "ready" },
    });
  });
});

describe("nothing half-written", () => {
  test("leaves the endpoint list unchanged after a refused create", async () => {
    await createEndpoint(relay, { url: exampleUrl, description: "kept" });
    const before = await listEndpoints();
    for (const body of [
      { url: exampleUrl, secret: "whsec_AAAA" },
      { url: exampleUrl, headers: { "webhook-id": "x" } },
      { url: exampleUrl, eventTypes: ["ok.*", 5] },
    ]) {
      expect((await post("/v1/endpoints", body)).status).toBe(422);
    }
    expect(await listEndpoints()).toEqual(before);
  });

  test("leaves the events unchanged after a refused publish", async () => {
    await publish(relay, { type: "kept.event", payload: {} });
    const before = await listEvents();
    expect((await post("/v1/events", { type: "bad type", payload: {} })).status).toBe(422);
    expect((await postRaw("/v1/events", "{")).status).toBe(400);
    expect(await listEvents()).toEqual(before);
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

test("refuses a custom header value outside Latin-1, which could never be sent", async () => {
  await using relay = await startRelay();
  const response = await relay.api("/v1/endpoints", {
    method: "POST",
    json: { url: "https://example.test/hooks", headers: { "x-u": "€ 日本" } },
  });
  expect(response.status).toBe(422);
  expect(((await response.json()) as { field: string }).field).toBe("/headers/x-u");
}, 30_000);
