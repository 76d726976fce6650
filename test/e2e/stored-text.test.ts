/**
 * Text kept in a TEXT column reads back as written, or is refused: SQLite hands text back up
 * to its first U+0000 ("abc\u0000def" came back "abc"), and a lone surrogate has no UTF-8
 * form. Event payloads are bytes and keep their NULs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { uniqueSourceName } from "../fixtures/inbound/inbound-fixtures.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { type Endpoint, createEndpoint, expectProblem, publish } from "./api-fixtures.ts";

const url = "http://127.0.0.1:9/hooks";
const sharedSecret = "github-shared-secret-0001";
const github = { scheme: "github", options: {} };

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(() => relay.stop());

const send = (method: string, path: string, json: unknown) => relay.api(path, { method, json });

async function expectRefusedAt(response: Response, field: string) {
  await expectProblem(response, { status: 422, slug: "validation-failed", field });
}

describe("text with U+0000 or a lone surrogate", () => {
  test.each([
    ["a description with NUL", { url, description: "abc\u0000def" }, "/description"],
    ["a description with a lone surrogate", { url, description: "abc\ud800" }, "/description"],
    ["a url with NUL in its path", { url: `${url}/a\u0000b` }, "/url"],
    ["a secret with NUL", { url, signing: github, secret: `${sharedSecret}\u0000x` }, "/secret"],
  ])("refuses an endpoint with %s at its field", async (_name, body, field) => {
    await expectRefusedAt(await send("POST", "/v1/endpoints", body), field);
  });

  test("refuses a PATCH of the description and keeps the one there", async () => {
    const endpoint = await createEndpoint(relay, { url, description: "billing" });
    const patch = await send("PATCH", `/v1/endpoints/${endpoint.id}`, {
      description: "billing\u0000hidden",
    });

    await expectRefusedAt(patch, "/description");
    const stored = await relay.json<Endpoint>(`/v1/endpoints/${endpoint.id}`);
    expect(stored.description).toBe("billing");
  });

  test("refuses a rotation to a secret with NUL", async () => {
    const endpoint = await createEndpoint(relay, { url, signing: github, secret: sharedSecret });
    const rotate = await send("POST", `/v1/endpoints/${endpoint.id}/rotate-secret`, {
      secret: `${sharedSecret}\u0000x`,
    });

    await expectRefusedAt(rotate, "/secret");
  });

  test("refuses an inline destination's description with NUL", async () => {
    const source = {
      name: uniqueSourceName("nul"),
      verifier: { scheme: "github", secrets: [sharedSecret] },
      destinations: [{ url, description: "abc\u0000def" }],
    };

    await expectRefusedAt(await send("POST", "/v1/sources", source), "/destinations/0/description");
  });

  test.each([
    ["NUL", "tok\u0000hidden"],
    ["a lone surrogate", "tok\udc00"],
  ])("refuses a token name with %s", async (_name, name) => {
    await expectRefusedAt(await send("POST", "/v1/tokens", { name, scopes: ["read"] }), "/name");
  });

  test("keeps a description with an emoji (a surrogate pair) as written", async () => {
    const endpoint = await createEndpoint(relay, { url, description: "billing 🧾" });
    const stored = await relay.json<Endpoint>(`/v1/endpoints/${endpoint.id}`);
    expect(stored.description).toBe("billing 🧾");
  });

  test("keeps a NUL inside an event payload", async () => {
    const published = await publish(relay, { type: "note.added", payload: { note: "a\u0000b" } });
    const event = await relay.json<{ payload: unknown }>(`/v1/events/${published.body.id}`);
    expect(event.payload).toEqual({ note: "a\u0000b" });
  });
});
