/**
 * Bad input at the ingest URL: wrong secrets, missing headers, stale and future timestamps,
 * garbage and wrong-length signatures, tampered bodies, unknown sources, verifiers that throw
 * or have gone. Each gets its 4xx problem+json, nothing is stored or forwarded, the relay keeps
 * serving, and the log names the reason but never a secret or a signature.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { sign as signGithub } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import type { Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import {
  countEvents,
  createPipe,
  createSource,
  expectProblem,
  expectServing,
  expectSignatureRejected,
  type IngestInit,
  inboundFixtures,
  ingest,
  ingestAccepted,
  newWhsec,
  type Pipe,
  uniqueSourceName,
  useDataDir,
} from "../fixtures/inbound/inbound-fixtures.ts";

const githubSecret = "rejections-github-secret";
const stripeSecret = "whsec_rejections_stripe_secret_0001";
const standardSecret = newWhsec();
const slackSecret = "rejections-slack-signing-secret";
const shopifySecret = "shpss_rejections_shopify_secret";
const secrets = [githubSecret, stripeSecret, standardSecret, slackSecret, shopifySecret];
const stripe = new Stripe("sk_test_hookrelay");

let relay: Relay;
const receivers: Receiver[] = [];
const pipes: Record<"github" | "stripe" | "standard" | "slack" | "shopify", Pipe> = {} as never;
/** Every signature header value a test sent, to prove none reaches the log. */
const sentSignatures = new Set<string>();

beforeAll(async () => {
  relay = await startRelay();
  const make = (scheme: string, secret: string) =>
    createPipe(relay, receivers, { verifier: { scheme, secrets: [secret] } });
  pipes.github = await make("github", githubSecret);
  pipes.stripe = await make("stripe", stripeSecret);
  pipes.standard = await make("standard-webhooks", standardSecret);
  pipes.slack = await make("slack", slackSecret);
  pipes.shopify = await make("shopify", shopifySecret);
});

afterAll(async () => {
  for (const receiver of receivers) receiver.stop();
  await relay.stop();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
const body = '{"id":"evt_rejected","type":"thing.rejected","data":{"n":1}}';
const json = { "content-type": "application/json" };

function remember<T extends Record<string, string>>(headers: T): T {
  for (const value of Object.values(headers)) sentSignatures.add(value);
  return headers;
}

async function github(options: { secret?: string; signature?: string; signed?: string } = {}) {
  const secret = options.secret ?? githubSecret;
  const signature = options.signature ?? (await signGithub(secret, options.signed ?? body));
  return remember({ ...json, "x-github-event": "push", "x-hub-signature-256": signature });
}

async function stripeHeaders(options: { secret?: string; timestamp?: number } = {}) {
  const header = await stripe.webhooks.generateTestHeaderStringAsync({
    payload: body,
    secret: options.secret ?? stripeSecret,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  return remember({ ...json, "stripe-signature": header });
}

function standardHeaders(options: { secret?: string; at?: Date } = {}) {
  const at = options.at ?? new Date();
  const id = `msg_${crypto.randomUUID()}`;
  return remember({
    ...json,
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(options.secret ?? standardSecret).sign(id, at, body),
  });
}

function slackHeaders(options: { secret?: string; timestamp?: number } = {}) {
  const timestamp = options.timestamp ?? nowSeconds();
  const mac = createHmac("sha256", options.secret ?? slackSecret)
    .update(`v0:${timestamp}:${body}`)
    .digest("hex");
  return remember({
    ...json,
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": `v0=${mac}`,
  });
}

function shopifyHeaders(options: { secret?: string; signature?: string } = {}) {
  const mac = createHmac("sha256", options.secret ?? shopifySecret)
    .update(body)
    .digest("base64");
  return remember({
    ...json,
    "x-shopify-topic": "orders/create",
    "x-shopify-hmac-sha256": options.signature ?? mac,
  });
}

function without(headers: Record<string, string>, name: string): Record<string, string> {
  const { [name]: _, ...rest } = headers;
  return rest;
}

interface BadCase {
  name: string;
  pipe: keyof typeof pipes;
  request: () => Promise<IngestInit> | IngestInit;
  reason: string;
}

const tenMinutes = 600;
const bad: BadCase[] = [
  // GitHub
  {
    name: "a GitHub signature made with the wrong secret",
    pipe: "github",
    request: async () => ({ body, headers: await github({ secret: "not-the-github-secret" }) }),
    reason: "bad_signature",
  },
  {
    name: "a GitHub delivery without X-Hub-Signature-256",
    pipe: "github",
    request: async () => ({ body, headers: without(await github(), "x-hub-signature-256") }),
    reason: "missing_signature",
  },
  {
    name: "a GitHub delivery with only the legacy SHA-1 X-Hub-Signature",
    pipe: "github",
    request: async () => {
      const sha1 = createHmac("sha1", githubSecret).update(body).digest("hex");
      const headers = without(await github(), "x-hub-signature-256");
      return { body, headers: remember({ ...headers, "x-hub-signature": `sha1=${sha1}` }) };
    },
    reason: "missing_signature",
  },
  {
    name: "a garbage GitHub signature",
    pipe: "github",
    request: async () => ({
      body,
      headers: await github({ signature: `sha256=${"zz".repeat(32)}` }),
    }),
    reason: "malformed_signature",
  },
  {
    name: "a GitHub signature of the wrong length",
    pipe: "github",
    request: async () => ({ body, headers: await github({ signature: "sha256=abcdef0123" }) }),
    reason: "malformed_signature",
  },
  {
    name: "a GitHub signature without its sha256= prefix",
    pipe: "github",
    request: async () => {
      const hex = createHmac("sha256", githubSecret).update(body).digest("hex");
      return { body, headers: await github({ signature: hex }) };
    },
    reason: "malformed_signature",
  },
  {
    name: "a GitHub body changed after signing",
    pipe: "github",
    request: async () => ({ body: `${body} `, headers: await github() }),
    reason: "bad_signature",
  },
  // Stripe
  {
    name: "a Stripe signature made with the wrong secret",
    pipe: "stripe",
    request: async () => ({
      body,
      headers: await stripeHeaders({ secret: "whsec_wrong_secret_00000" }),
    }),
    reason: "bad_signature",
  },
  {
    name: "a Stripe event without Stripe-Signature",
    pipe: "stripe",
    request: () => ({ body, headers: json }),
    reason: "missing_signature",
  },
  {
    name: "a Stripe signature ten minutes old",
    pipe: "stripe",
    request: async () => ({
      body,
      headers: await stripeHeaders({ timestamp: nowSeconds() - tenMinutes }),
    }),
    reason: "stale_timestamp",
  },
  {
    name: "a Stripe signature ten minutes in the future",
    pipe: "stripe",
    request: async () => ({
      body,
      headers: await stripeHeaders({ timestamp: nowSeconds() + tenMinutes }),
    }),
    reason: "stale_timestamp",
  },
  {
    name: "a Stripe timestamp in milliseconds",
    pipe: "stripe",
    request: async () => ({ body, headers: await stripeHeaders({ timestamp: Date.now() }) }),
    reason: "stale_timestamp",
  },
  {
    name: "a garbage Stripe-Signature",
    pipe: "stripe",
    request: () => ({ body, headers: remember({ ...json, "stripe-signature": "garbage" }) }),
    reason: "malformed_signature",
  },
  {
    name: "a Stripe v1 signature of the wrong length",
    pipe: "stripe",
    request: () => ({
      body,
      headers: remember({ ...json, "stripe-signature": `t=${nowSeconds()},v1=abcdef` }),
    }),
    reason: "malformed_signature",
  },
  // Standard Webhooks
  {
    name: "a Standard Webhooks signature made with the wrong secret",
    pipe: "standard",
    request: () => ({ body, headers: standardHeaders({ secret: newWhsec() }) }),
    reason: "bad_signature",
  },
  {
    name: "a Standard Webhooks request without webhook-signature",
    pipe: "standard",
    request: () => ({ body, headers: without(standardHeaders(), "webhook-signature") }),
    reason: "missing_signature",
  },
  {
    name: "a Standard Webhooks request without webhook-id",
    pipe: "standard",
    request: () => ({ body, headers: without(standardHeaders(), "webhook-id") }),
    reason: "missing_signature",
  },
  {
    name: "a Standard Webhooks timestamp ten minutes old",
    pipe: "standard",
    request: () => ({ body, headers: standardHeaders({ at: new Date(Date.now() - 600_000) }) }),
    reason: "stale_timestamp",
  },
  {
    name: "a Standard Webhooks timestamp ten minutes in the future",
    pipe: "standard",
    request: () => ({ body, headers: standardHeaders({ at: new Date(Date.now() + 600_000) }) }),
    reason: "stale_timestamp",
  },
  {
    name: "a Standard Webhooks timestamp that is not a number",
    pipe: "standard",
    request: () => ({ body, headers: { ...standardHeaders(), "webhook-timestamp": "yesterday" } }),
    reason: "malformed_signature",
  },
  {
    name: "a garbage Standard Webhooks signature",
    pipe: "standard",
    request: () => ({ body, headers: { ...standardHeaders(), "webhook-signature": "v1,!!!" } }),
    reason: "malformed_signature",
  },
  {
    name: "a Standard Webhooks signature of only an unknown version",
    pipe: "standard",
    request: () => {
      const headers = standardHeaders();
      const v2 = (headers["webhook-signature"] ?? "").replace(/^v1,/, "v2,");
      return { body, headers: { ...headers, "webhook-signature": v2 } };
    },
    reason: "malformed_signature",
  },
  {
    name: "a Standard Webhooks signature of the wrong length",
    pipe: "standard",
    request: () => ({ body, headers: { ...standardHeaders(), "webhook-signature": "v1,AAAA" } }),
    reason: "bad_signature",
  },
  // Slack
  {
    name: "a Slack signature made with the wrong secret",
    pipe: "slack",
    request: () => ({ body, headers: slackHeaders({ secret: "not-the-slack-secret" }) }),
    reason: "bad_signature",
  },
  {
    name: "a Slack request without X-Slack-Request-Timestamp",
    pipe: "slack",
    request: () => ({ body, headers: without(slackHeaders(), "x-slack-request-timestamp") }),
    reason: "missing_signature",
  },
  {
    name: "a Slack timestamp ten minutes old",
    pipe: "slack",
    request: () => ({ body, headers: slackHeaders({ timestamp: nowSeconds() - tenMinutes }) }),
    reason: "stale_timestamp",
  },
  {
    name: "a Slack timestamp ten minutes in the future",
    pipe: "slack",
    request: () => ({ body, headers: slackHeaders({ timestamp: nowSeconds() + tenMinutes }) }),
    reason: "stale_timestamp",
  },
  {
    name: "a garbage Slack signature",
    pipe: "slack",
    request: () => ({ body, headers: { ...slackHeaders(), "x-slack-signature": "v0=nothex" } }),
    reason: "malformed_signature",
  },
  // Shopify
  {
    name: "a Shopify HMAC made with the wrong secret",
    pipe: "shopify",
    request: () => ({ body, headers: shopifyHeaders({ secret: "not-the-shopify-secret" }) }),
    reason: "bad_signature",
  },
  {
    name: "a Shopify request without X-Shopify-Hmac-Sha256",
    pipe: "shopify",
    request: () => ({ body, headers: without(shopifyHeaders(), "x-shopify-hmac-sha256") }),
    reason: "missing_signature",
  },
  {
    name: "a Shopify HMAC of the wrong length",
    pipe: "shopify",
    request: () => ({ body, headers: shopifyHeaders({ signature: "AAAAAAAA" }) }),
    reason: "malformed_signature",
  },
  {
    name: "a Shopify HMAC that is not base64",
    pipe: "shopify",
    request: () => ({ body, headers: shopifyHeaders({ signature: "%%% not base64 %%%" }) }),
    reason: "malformed_signature",
  },
];

describe("refused requests", () => {
  for (const { name, pipe, request, reason } of bad) {
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

describe("the refusal metric", () => {
  /** The value of the refusal counter for one source and reason (0 before the first). */
  async function refusals(source: string, reason: string): Promise<number> {
    const response = await relay.api("/metrics");
    expect(response.status).toBe(200);
    const labels = [`source="${source}"`, `reason="${reason}"`];
    const line = (await response.text())
      .split("\n")
      .find(
        (l) =>
          l.startsWith("hookrelay_inbound_verification_failures_total{") &&
          labels.every((label) => l.includes(label)),
      );
    return line ? Number(line.split(" ").at(-1)) : 0;
  }

  test("counts each refusal by source and reason", async () => {
    const stripeName = pipes.stripe.source.name;
    const githubName = pipes.github.source.name;
    const staleBefore = await refusals(stripeName, "stale_timestamp");
    const badBefore = await refusals(githubName, "bad_signature");
    const stale = await stripeHeaders({ timestamp: nowSeconds() - tenMinutes });
    expect((await ingest(relay, stripeName, { body, headers: stale })).status).toBe(401);
    const forged = await github({ secret: "a-forger's-secret" });
    expect((await ingest(relay, githubName, { body, headers: forged })).status).toBe(401);
    expect((await ingest(relay, githubName, { body, headers: forged })).status).toBe(401);

    expect(await refusals(stripeName, "stale_timestamp")).toBe(staleBefore + 1);
    expect(await refusals(githubName, "bad_signature")).toBe(badBefore + 2);
  }, 30_000);
});

describe("verifier plugins that fail", () => {
  const pluginsDir = join(inboundFixtures, "plugins");

  test("refuses with 401 when the verifier throws, and stores nothing", async () => {
    await using withPlugins = await startRelay({ env: { HOOKRELAY_PLUGINS_DIR: pluginsDir } });
    const source = await createSource(withPlugins, {
      name: "explodes",
      verifier: { scheme: "exploding", secrets: ["whatever-it-is"] },
    });
    const response = await ingest(withPlugins, source.name, { body, headers: json });

    await expectSignatureRejected(response, "bad_signature");
    expect(await countEvents(withPlugins)).toBe(0);
    await expectServing(withPlugins);
  }, 30_000);

  test("fails closed when a source's verifier plugin is gone after a restart", async () => {
    using dir = useDataDir();
    const dataDir = dir.path;
    const passphrase = { ...json, "x-passphrase": "open sesame, please" };
    {
      const withPlugins = { dataDir, env: { HOOKRELAY_PLUGINS_DIR: pluginsDir } };
      await using first = await startRelay(withPlugins);
      await createSource(first, {
        name: "passphrase",
        verifier: { scheme: "passphrase", secrets: ["open sesame, please"] },
      });
      await ingestAccepted(first, "passphrase", { body, headers: passphrase });
    }
    await using second = await startRelay({ dataDir });
    const before = await countEvents(second);
    const response = await ingest(second, "passphrase", { body, headers: passphrase });

    await expectSignatureRejected(response, "bad_signature");
    expect(await countEvents(second)).toBe(before);
    await expectServing(second);
  }, 30_000);
});
