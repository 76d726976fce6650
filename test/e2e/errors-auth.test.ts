/** The API token: every way of getting it wrong is a 401 that stores nothing; probes need none. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Relay, startRelay } from "../support/relay.ts";
import { type Endpoint, type Page, expectProblem } from "./api-fixtures.ts";

const exampleUrl = "http://127.0.0.1:9/hooks";

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(() => relay.stop());

const listEndpoints = () => relay.json<Page<Endpoint>>("/v1/endpoints?limit=250");

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
