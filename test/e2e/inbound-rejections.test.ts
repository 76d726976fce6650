/**
 * Bad input at the ingest URL: wrong secrets, missing headers, stale and future timestamps,
 * garbage and wrong-length signatures, tampered bodies, unknown and deleted sources. Each gets
 * its 4xx problem+json, nothing is stored or forwarded, the relay keeps serving, and the log
 * names the reason but never a secret or a signature.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "../support/wait.ts";
import {
  countEvents,
  createSource,
  expectProblem,
  expectServing,
  expectSignatureRejected,
  ingest,
  ingestAccepted,
  type Pipe,
  uniqueSourceName,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { refusedCases } from "../fixtures/inbound/rejection-cases.ts";
import {
  body,
  createProviderPipes,
  github,
  githubSecret,
  nowSeconds,
  type Provider,
  secrets,
  sentSignatures,
  shopifyHeaders,
  slackHeaders,
  standardHeaders,
  stripeHeaders,
  tenMinutes,
} from "../fixtures/inbound/rejection-requests.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const { relay, receivers } = relayPerFile();
let pipes: Record<Provider, Pipe>;

beforeAll(async () => {
  pipes = await createProviderPipes(relay, receivers);
});

describe("refused requests", () => {
  for (const { name, pipe, request, reason } of refusedCases) {
    test(`refuses ${name} with 401 and stores nothing`, async () => {
      const before = await countEvents(relay);
      const response = await ingest(relay, pipes[pipe].source.name, await request());

      await expectSignatureRejected(response, reason);
      expect(response.headers.get("hookrelay-event-id")).toBeNull();
      expect(await countEvents(relay)).toBe(before);
      await expectServing(relay);
    }, 30_000);
  }

  test("refuses an unknown source with 404 and stores nothing", async () => {
    const before = await countEvents(relay);
    const response = await ingest(relay, "no-such-source", { body, headers: await github() });

    await expectProblem(response, 404, "not-found");
    expect(await countEvents(relay)).toBe(before);
    await expectServing(relay);
  }, 30_000);

  test("refuses a deleted source with 404", async () => {
    const source = await createSource(relay, {
      name: uniqueSourceName("deleted"),
      verifier: { scheme: "github", secrets: [githubSecret] },
    });
    await ingestAccepted(relay, source.name, { body, headers: await github() });
    const deleted = await relay.api(`/v1/sources/${source.id}`, { method: "DELETE" });
    expect(deleted.status).toBe(204);

    const response = await ingest(relay, source.name, { body, headers: await github() });
    await expectProblem(response, 404, "not-found");
  }, 30_000);

  test("still accepts a valid request on every source afterwards", async () => {
    await ingestAccepted(relay, pipes.github.source.name, { body, headers: await github() });
    const stripeSigned = { body, headers: await stripeHeaders() };
    await ingestAccepted(relay, pipes.stripe.source.name, stripeSigned);
    await ingestAccepted(relay, pipes.standard.source.name, { body, headers: standardHeaders() });
    await ingestAccepted(relay, pipes.slack.source.name, { body, headers: slackHeaders() });
    await ingestAccepted(relay, pipes.shopify.source.name, { body, headers: shopifyHeaders() });
  }, 30_000);

  test("logs each refusal with its reason, never a secret or a signature", async () => {
    const marks = relay.logs.length;
    const stale = await stripeHeaders({ timestamp: nowSeconds() - tenMinutes });
    await ingest(relay, pipes.stripe.source.name, { body, headers: stale });
    const forged = await github({ secret: "a-forger's-secret" });
    await ingest(relay, pipes.github.source.name, { body, headers: forged });

    const lines = await waitFor("the refusals to be logged", () => {
      const found = relay.logs
        .slice(marks)
        .filter((line) => line.msg === "inbound verification failed");
      return found.length >= 2 && found;
    });
    expect(lines.map(({ sourceId, reason }) => ({ sourceId, reason }))).toEqual([
      { sourceId: pipes.stripe.source.id, reason: "stale_timestamp" },
      { sourceId: pipes.github.source.id, reason: "bad_signature" },
    ]);
    const everything = relay.logs.map((line) => JSON.stringify(line)).join("\n");
    for (const secret of secrets) expect(everything).not.toContain(secret);
    for (const value of sentSignatures) {
      if (value.length >= 16) expect(everything).not.toContain(value);
    }
  }, 30_000);
});
