/** hookrelay_inbound_verification_failures_total counts refusals by source and reason. */
import { beforeAll, describe, expect, test } from "bun:test";
import { ingest, type Pipe } from "../fixtures/inbound/inbound-fixtures.ts";
import {
  body,
  createProviderPipes,
  github,
  nowSeconds,
  type Provider,
  stripeHeaders,
  tenMinutes,
} from "../fixtures/inbound/rejection-requests.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const { relay, receivers } = relayPerFile();
let pipes: Record<Provider, Pipe>;

beforeAll(async () => {
  pipes = await createProviderPipes(relay, receivers);
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
