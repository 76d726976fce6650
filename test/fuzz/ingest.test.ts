/**
 * Property-based fuzzing of the public ingest route, POST /in/:name, on a source with no
 * verifier and one with an HMAC verifier: random and invalid bytes, deep nesting, oversized
 * and compressed bodies (gzip bombs among them), good and bad signatures, unknown names,
 * random query strings and headers. Each answer is a 2xx or a 4xx problem+json; a rejected
 * request stores no event; the relay is up and healthy at the end.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ingestRequests } from "./fuzz-ingest.ts";
import { ingestRegressions } from "./fuzz-regressions.ts";
import { FuzzSession } from "./fuzz-session.ts";

const numRuns = Number(process.env.HOOKRELAY_FUZZ_RUNS ?? 250);
const seed = Number(process.env.HOOKRELAY_FUZZ_SEED) || undefined;

let session: FuzzSession;

beforeAll(async () => {
  session = await FuzzSession.start();
}, 30_000);

afterAll(async () => {
  await session?.stop();
});

test("POST /in/:name answers every input with a success or a 4xx problem", async () => {
  const examples = ingestRegressions(session.ingest.noneSource);
  await session.run(ingestRequests(session.ingest), { numRuns, seed, assert: true, examples });
  expect(session.figures.byStatus["202"]).toBeGreaterThan(0);
}, 120_000);

test("the relay stays up, healthy, and stores exactly the accepted events", async () => {
  expect(await session.finish()).toEqual([]);
  expect(session.figures.serverErrors).toBe(0);
}, 30_000);
