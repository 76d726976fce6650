/**
 * /v1/sources validation: every refused create gets a 422 naming the field at fault, and a
 * refused create leaves nothing behind.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Receiver } from "../support/receiver.ts";
import { startReceiver } from "../support/receiver.ts";
import {
  createSource,
  ingest,
  signedGithubRequest,
  uniqueSourceName,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { type Endpoint, expectProblem, type Page, unknownId } from "./api-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const secret = "sources-github-secret-0001";
const github = { scheme: "github", secrets: [secret] };

const { relay, receivers } = relayPerFile();
let receiver: Receiver;

beforeAll(() => {
  receiver = startReceiver();
  receivers.push(receiver);
});

const post = (json: unknown) => relay.api("/v1/sources", { method: "POST", json });

async function signedPing(name: string) {
  const body = '{"zen":"Keep it logically awesome."}';
  return ingest(relay, name, await signedGithubRequest(secret, "ping", body));
}

async function allEndpointIds(): Promise<string[]> {
  const page: Page<Endpoint> = await relay.json("/v1/endpoints?limit=250");
  return page.data.map((endpoint) => endpoint.id);
}

describe("validation", () => {
  const valid = () => ({ name: uniqueSourceName("v"), verifier: github });
  const refusals: { name: string; body: () => Record<string, unknown>; field: string }[] = [
    {
      name: "an unknown scheme",
      body: () => ({ ...valid(), verifier: { scheme: "carrier-pigeon", secrets: [secret] } }),
      field: "/verifier/scheme",
    },
    {
      name: "missing secrets",
      body: () => ({ ...valid(), verifier: { scheme: "github" } }),
      field: "/verifier/secrets",
    },
    {
      name: "an empty list of secrets",
      body: () => ({ ...valid(), verifier: { scheme: "stripe", secrets: [] } }),
      field: "/verifier/secrets",
    },
    {
      name: "an unknown destination",
      body: () => ({ ...valid(), destinations: [unknownId("ep")] }),
      field: "/destinations/0",
    },
    {
      name: "a name with capitals",
      body: () => ({ ...valid(), name: "GitHub" }),
      field: "/name",
    },
    {
      name: "a name with a slash",
      body: () => ({ ...valid(), name: "git/hub" }),
      field: "/name",
    },
    {
      name: "a name of 65 characters",
      body: () => ({ ...valid(), name: "a".repeat(65) }),
      field: "/name",
    },
    {
      name: "a response status outside 2xx",
      body: () => ({ ...valid(), response: { status: 302 } }),
      field: "/response/status",
    },
    {
      name: "a response content type with a non-Latin-1 character",
      body: () => ({ ...valid(), response: { status: 200, contentType: "text/plain; x=\u2603" } }),
      field: "/response/contentType",
    },
    {
      name: "a response content type with CR LF",
      body: () => ({ ...valid(), response: { status: 200, contentType: "text/plain\r\nX-A: b" } }),
      field: "/response/contentType",
    },
    {
      name: "a response content type with NUL",
      body: () => ({ ...valid(), response: { status: 200, contentType: "text/plain\u0000" } }),
      field: "/response/contentType",
    },
    {
      name: "a response content type with Latin-1 beyond ASCII",
      body: () => ({ ...valid(), response: { status: 200, contentType: "text/plain; x=\u00e9" } }),
      field: "/response/contentType",
    },
    {
      name: "a response body with a lone surrogate",
      body: () => ({ ...valid(), response: { status: 200, body: "ok \ud800" } }),
      field: "/response/body",
    },
    {
      name: "a response status that is not an integer",
      body: () => ({ ...valid(), response: { status: 200.5 } }),
      field: "/response/status",
    },
    {
      name: "a zero body cap",
      body: () => ({ ...valid(), maxBodyBytes: 0 }),
      field: "/maxBodyBytes",
    },
    {
      name: "a negative dedupe window",
      body: () => ({ ...valid(), dedupeWindowSeconds: -1 }),
      field: "/dedupeWindowSeconds",
    },
    {
      name: "a forward header that is not a header name",
      body: () => ({ ...valid(), forwardHeaders: ["x bad"] }),
      field: "/forwardHeaders/0",
    },
    {
      name: "token options naming both a header and a query parameter",
      body: () => ({
        ...valid(),
        verifier: { scheme: "token", secrets: ["t0k3n"], options: { header: "x-t", query: "t" } },
      }),
      field: "/verifier/options",
    },
    {
      name: "a tolerance that is not a number",
      body: () => ({
        ...valid(),
        verifier: { scheme: "stripe", secrets: [secret], options: { toleranceSeconds: "5m" } },
      }),
      field: "/verifier/options/toleranceSeconds",
    },
    {
      name: "an inline destination without an absolute URL",
      body: () => ({ ...valid(), destinations: [{ url: "/relative" }] }),
      field: "/destinations/0/url",
    },
    {
      name: "an unknown field",
      body: () => ({ ...valid(), colour: "blue" }),
      field: "/colour",
    },
    {
      name: "only secrets that have expired",
      body: () => ({
        ...valid(),
        verifier: {
          scheme: "github",
          secrets: [{ value: secret, expiresAt: "2020-01-01T00:00:00Z" }],
        },
      }),
      field: "/verifier/secrets",
    },
    {
      name: "a 204 response with a body",
      body: () => ({ ...valid(), response: { status: 204, body: "hi" } }),
      field: "/response/body",
    },
    {
      name: "a 205 response with a body",
      body: () => ({ ...valid(), response: { status: 205, body: "hi" } }),
      field: "/response/body",
    },
    {
      name: "a Standard Webhooks secret that is not whsec_",
      body: () => ({
        ...valid(),
        verifier: { scheme: "standard-webhooks", secrets: ["hunter2"] },
      }),
      field: "/verifier/secrets/0",
    },
  ];

  for (const { name, body, field } of refusals) {
    test(`refuses ${name} with 422 at ${field}`, async () => {
      await expectProblem(await post(body()), { status: 422, slug: "validation-failed", field });
    }, 30_000);
  }

  test("refuses a content type a header cannot carry on PATCH, and keeps the answer", async () => {
    const name = uniqueSourceName("ctype");
    const response = { status: 202, body: "thanks", contentType: "text/plain" };
    const source = await createSource(relay, { name, verifier: github, response });
    const patch = await relay.api(`/v1/sources/${source.id}`, {
      method: "PATCH",
      json: { response: { status: 202, contentType: "text/plain; x=\u2603" } },
    });

    await expectProblem(patch, {
      status: 422,
      slug: "validation-failed",
      field: "/response/contentType",
    });
    const answer = await signedPing(name);
    expect({ status: answer.status, type: answer.headers.get("content-type") }).toEqual({
      status: 202,
      type: "text/plain",
    });
    expect(await answer.text()).toBe("thanks");
  }, 30_000);

  test("refuses a duplicate name with 422 at /name", async () => {
    const name = uniqueSourceName("twin");
    await createSource(relay, { name, verifier: github });
    await expectProblem(await post({ name, verifier: github }), {
      status: 422,
      slug: "validation-failed",
      field: "/name",
    });
  }, 30_000);

  test("creates nothing when one destination of several is unknown", async () => {
    const endpointsBefore = await allEndpointIds();
    const name = uniqueSourceName("atomic");
    const response = await post({
      name,
      verifier: github,
      destinations: [{ url: receiver.url }, unknownId("ep")],
    });

    await expectProblem(response, {
      status: 422,
      slug: "validation-failed",
      field: "/destinations/1",
    });
    expect(await allEndpointIds()).toEqual(endpointsBefore);
    await expectProblem(await signedPing(name), { status: 404, slug: "not-found" });
  }, 30_000);

  test("lists an unknown destination and a bad inline one in one answer", async () => {
    const response = await post({
      ...valid(),
      destinations: [unknownId("ep"), { url: "ftp://x" }],
    });
    const problem = await expectProblem(response, { status: 422, slug: "validation-failed" });
    expect((problem.errors as { field: string }[]).map((error) => error.field)).toEqual([
      "/destinations/0",
      "/destinations/1/url",
    ]);
  }, 30_000);

  test("answers a 204 without a body, as configured", async () => {
    const name = uniqueSourceName("nobody");
    await createSource(relay, { name, verifier: github, response: { status: 204, body: "" } });
    const answer = await signedPing(name);
    expect({ status: answer.status, body: await answer.text() }).toEqual({ status: 204, body: "" });
  }, 30_000);
});

describe("live secrets", () => {
  const expired = { value: secret, expiresAt: "2020-01-01T00:00:00Z" };

  test("refuses a PATCH that leaves only expired secrets, and keeps verifying", async () => {
    const name = uniqueSourceName("expired");
    const source = await createSource(relay, { name, verifier: github });
    const patch = await relay.api(`/v1/sources/${source.id}`, {
      method: "PATCH",
      json: { verifier: { scheme: "github", secrets: [expired] } },
    });

    const problem = await expectProblem(patch, { status: 422, slug: "validation-failed" });
    expect(problem.errors).toEqual([
      { field: "/verifier/secrets", message: "needs at least one secret that has not expired" },
    ]);
    expect((await signedPing(name)).status).toBe(202);
  }, 30_000);

  test("refuses a PATCH from scheme none to a signed one without secrets", async () => {
    const source = await createSource(relay, {
      name: uniqueSourceName("open"),
      verifier: { scheme: "none" },
    });
    const patch = await relay.api(`/v1/sources/${source.id}`, {
      method: "PATCH",
      json: { verifier: { scheme: "github" } },
    });
    await expectProblem(patch, {
      status: 422,
      slug: "validation-failed",
      field: "/verifier/secrets",
    });
  }, 30_000);

  test("accepts an expired secret beside a live one", async () => {
    const name = uniqueSourceName("rolling");
    const source = await createSource(relay, {
      name,
      verifier: { scheme: "github", secrets: [expired, "sources-github-secret-0002"] },
    });
    expect(source.verifier.secrets).toHaveLength(2);
  }, 30_000);
});

describe("secret redaction", () => {
  test("shows at most a quarter of a secret, and nothing of a short one", async () => {
    const secrets = ["abc", "abcdefgh", "sources-github-secret-0001"];
    const source = await createSource(relay, {
      name: uniqueSourceName("redact"),
      verifier: { scheme: "token", secrets },
    });
    const read = await relay.json<{ verifier: { secrets: { value: string }[] } }>(
      `/v1/sources/${source.id}`,
    );
    expect(read.verifier.secrets.map((shown) => shown.value)).toEqual(["…", "…gh", "…0001"]);
  }, 30_000);
});
