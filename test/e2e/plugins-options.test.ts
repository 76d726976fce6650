/**
 * An endpoint's signer and transform choices are checked against the plugin's option schema
 * (and its own checkOptions) when the endpoint is saved: a 422 names the field at fault.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Relay, startRelay } from "../support/relay.ts";
import { expectProblem } from "./api-fixtures.ts";
import { createPluginEndpoint, fixtureDir } from "./plugins-support.ts";

let relay: Relay;

beforeAll(async () => {
  relay = await startRelay({ env: { HOOKRELAY_PLUGINS_DIR: fixtureDir("working") } });
});

afterAll(() => relay.stop());

const url = "http://127.0.0.1:9/hooks";

function createWith(body: Record<string, unknown>): Promise<Response> {
  return relay.api("/v1/endpoints", { method: "POST", json: { url, ...body } });
}

/** The 422's list of errors, each field with the start of its message. */
async function expectRefused(response: Response, field: string): Promise<string> {
  const problem = await expectProblem(response, { status: 422, slug: "validation-failed", field });
  const errors = problem.errors as { field: string; message: string }[];
  return errors.find((error) => error.field === field)?.message ?? "";
}

describe("signing choices", () => {
  test("refuses an unknown scheme at /signing/scheme and lists the known ones", async () => {
    const message = await expectRefused(
      await createWith({ signing: { scheme: "rot13" } }),
      "/signing/scheme",
    );
    expect(message).toContain('"rot13"');
    expect(message).toContain("standard-webhooks");
    expect(message).toContain("fixture-jwt");
  });

  test("refuses a signer option outside its schema at its own field", async () => {
    const response = await createWith({
      signing: { scheme: "hmac", options: { algorithm: "md5" } },
      secret: "a-generic-hmac-shared-secret",
    });
    await expectRefused(response, "/signing/options/algorithm");
  });

  test("refuses a signer option of the wrong type", async () => {
    const response = await createWith({ signing: { scheme: "github", options: { sha1: "yes" } } });
    await expectRefused(response, "/signing/options/sha1");
  });

  test("refuses a user signer's option outside its schema", async () => {
    const response = await createWith({
      signing: { scheme: "fixture-jwt", options: { issuer: "" } },
      secret: "a-user-signer-secret-of-32-characters",
    });
    await expectRefused(response, "/signing/options/issuer");
  });

  test("refuses a secret in another scheme's format at /secret", async () => {
    const whsec = `whsec_${Buffer.from(new Uint8Array(32)).toString("base64")}`;
    const response = await createWith({
      signing: { scheme: "standard-webhooks-ed25519" },
      secret: whsec,
    });
    expect(await expectRefused(response, "/secret")).toContain("whsk_");
  });

  test("refuses a secret that a user signer's checkSecret rejects", async () => {
    const response = await createWith({ signing: { scheme: "fixture-jwt" }, secret: "short" });
    expect(await expectRefused(response, "/secret")).toContain("32+ characters");
  });

  test("refuses an unknown scheme on PATCH and leaves the endpoint as it was", async () => {
    const endpoint = await createPluginEndpoint(relay, { url, signing: { scheme: "stripe" } });
    const response = await relay.api(`/v1/endpoints/${endpoint.id}`, {
      method: "PATCH",
      json: { signing: { scheme: "rot13" } },
    });
    await expectRefused(response, "/signing/scheme");
    const after = await relay.json(`/v1/endpoints/${endpoint.id}`);
    expect(after.signing).toEqual({ scheme: "stripe", options: {} });
  });
});

describe("transform choices", () => {
  test("refuses an unknown transform at /transform/plugin and lists the known ones", async () => {
    const message = await expectRefused(
      await createWith({ transform: { plugin: "xslt" } }),
      "/transform/plugin",
    );
    expect(message).toContain('"xslt"');
    expect(message).toContain("jsonata");
    expect(message).toContain("shout");
  });

  test("refuses a signer's name given as a transform", async () => {
    const response = await createWith({ transform: { plugin: "stripe" } });
    await expectRefused(response, "/transform/plugin");
  });

  test("refuses a transform option outside its schema at its own field", async () => {
    const response = await createWith({
      transform: { plugin: "shout", options: { prefix: "far-too-long" } },
    });
    await expectRefused(response, "/transform/options/prefix");
  });

  test("refuses jsonata without its required expression", async () => {
    const response = await createWith({ transform: { plugin: "jsonata", options: {} } });
    await expectRefused(response, "/transform/options/expression");
  });

  test("refuses a jsonata expression that does not compile", async () => {
    const response = await createWith({
      transform: { plugin: "jsonata", options: { expression: '{ "a": event.type ' } },
    });
    expect(await expectRefused(response, "/transform/options")).toContain("does not compile");
  });

  test("reports a bad signer and a bad transform together", async () => {
    const response = await createWith({
      signing: { scheme: "rot13" },
      transform: { plugin: "xslt" },
    });
    const problem = await expectProblem(response, { status: 422, slug: "validation-failed" });
    expect((problem.errors as { field: string }[]).map((e) => e.field)).toEqual([
      "/signing/scheme",
      "/transform/plugin",
    ]);
  });

  test("accepts a transform of null and stores none", async () => {
    const endpoint = await createPluginEndpoint(relay, { url, transform: null });
    expect(endpoint.transform).toBeNull();
    expect(endpoint.signing).toEqual({ scheme: "standard-webhooks", options: {} });
  });
});

test("refuses an option key the plugin does not know", async () => {
  await using relay = await startRelay();
  const response = await relay.api("/v1/endpoints", {
    method: "POST",
    json: {
      url: "https://example.test/hooks",
      signing: { scheme: "hmac", options: { algoritm: "sha512" } },
    },
  });
  expect(response.status).toBe(422);
  expect(((await response.json()) as { field: string }).field).toBe("/signing/options/algoritm");
}, 30_000);
