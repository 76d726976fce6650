/**
 * Endpoints, events, PATCHes and secret rotations that fail validation: each gets a 422
 * problem+json naming every field at fault, and a refused request changes nothing.
 */
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

const exampleUrl = "http://127.0.0.1:9/hooks";

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(() => relay.stop());

const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
  relay.api(path, { method: "POST", json, headers });
const postRaw = (path: string, body: string) =>
  relay.api(path, { method: "POST", body, headers: { "content-type": "application/json" } });

const listEndpoints = () => relay.json<Page<Endpoint>>("/v1/endpoints?limit=250");
const listEvents = () => relay.json<Page<{ id: string }>>("/v1/events?limit=250");

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

  test("lists every problem past the shape check in one answer", async () => {
    const body = { url: "ftp://x", eventTypes: ["a b"], headers: { host: "x" } };
    const shape = await post("/v1/endpoints", { ...body, zzz: 1 });
    const shapeProblem = await expectProblem(shape, { status: 422, slug: "validation-failed" });
    expect((shapeProblem.errors as { field: string }[]).map((error) => error.field)).toEqual([
      "/zzz",
    ]);
    const rules = await expectProblem(await post("/v1/endpoints", body), {
      status: 422,
      slug: "validation-failed",
    });
    expect((rules.errors as { field: string }[]).map((error) => error.field)).toEqual([
      "/url",
      "/eventTypes/0",
      "/headers/host",
    ]);
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
      previousSecrets: [],
    });
  });
});

describe("integer ranges", () => {
  const day = 24 * 3600;
  test.each([
    ["-1", -1],
    ["99999999999", 99_999_999_999],
    ["1.5", 1.5],
  ])("refuses an overlapSeconds of %s, naming the range", async (_label, overlapSeconds) => {
    const endpoint = await createEndpoint(relay, { url: exampleUrl });
    const response = await post(`/v1/endpoints/${endpoint.id}/rotate-secret`, { overlapSeconds });
    const problem = await expectProblem(response, {
      status: 422,
      slug: "validation-failed",
      field: "/overlapSeconds",
    });
    expect(problem.errors).toEqual([
      { field: "/overlapSeconds", message: `must be an integer from 0 to ${30 * day}` },
    ]);
  });

  test("refuses a rateLimitPerSecond of 0, naming the range and null", async () => {
    const response = await post("/v1/endpoints", { url: exampleUrl, rateLimitPerSecond: 0 });
    const problem = await expectProblem(response, { status: 422, slug: "validation-failed" });
    expect(problem.errors).toEqual([
      { field: "/rateLimitPerSecond", message: "must be an integer from 1 to 100000 or null" },
    ]);
  });

  test("refuses a source dedupeWindowSeconds past 90 days, naming the range", async () => {
    const response = await post("/v1/sources", {
      name: "range-check",
      verifier: { scheme: "none" },
      dedupeWindowSeconds: 9_999_999_999,
    });
    const problem = await expectProblem(response, { status: 422, slug: "validation-failed" });
    expect(problem.errors).toEqual([
      { field: "/dedupeWindowSeconds", message: `must be an integer from 0 to ${90 * day}` },
    ]);
  });
});

describe("id filters", () => {
  test.each([
    ["a word", "x"],
    ["another prefix", "evt_01JF3000000000000000000000"],
    ["a space", "ep_01JF3 0"],
  ])("refuses a replay of an endpointId that is %s with 422 at /endpointId", async (_l, id) => {
    const response = await post("/v1/dead-letters/replay", { endpointId: id });
    const problem = await expectProblem(response, {
      status: 422,
      slug: "validation-failed",
      field: "/endpointId",
    });
    // Refused by its shape, before any lookup.
    expect(problem.detail).toStartWith("/endpointId: expected string to match '^ep_");
  });

  test("refuses a replay of an endpoint that does not exist with 422 at /endpointId", async () => {
    const id = unknownId("ep");
    const response = await post("/v1/dead-letters/replay", { endpointId: id });
    const problem = await expectProblem(response, {
      status: 422,
      slug: "validation-failed",
      field: "/endpointId",
    });
    expect(problem.detail).toBe(`/endpointId: no endpoint ${id}`);
  });

  test.each([
    ["/v1/dead-letters?endpointId=x", "query:endpointId"],
    ["/v1/deliveries?endpointId=x", "query:endpointId"],
    ["/v1/deliveries?eventId=a%20b", "query:eventId"],
  ])("refuses the malformed filter in %s with 422", async (path, field) => {
    await expectProblem(await relay.api(path), { status: 422, slug: "validation-failed", field });
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

test("refuses a custom header value outside Latin-1, which could never be sent", async () => {
  await using relay = await startRelay();
  const response = await relay.api("/v1/endpoints", {
    method: "POST",
    json: { url: "https://example.test/hooks", headers: { "x-u": "€ 日本" } },
  });
  expect(response.status).toBe(422);
  expect(((await response.json()) as { field: string }).field).toBe("/headers/x-u");
}, 30_000);
