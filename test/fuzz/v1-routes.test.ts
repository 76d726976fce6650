/**
 * Property-based fuzzing of every /v1 route against the real relay: random and broken JSON,
 * wrong types, huge strings, invalid UTF-8, deep nesting, duplicate keys, unknown fields, bad
 * ids, random query strings and headers. Each answer is a success or a 4xx problem+json, never
 * a 5xx; a rejected write leaves no row behind; the relay is up and healthy at the end.
 * scripts/reliability.ts runs the same properties with many more inputs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type fc from "fast-check";
import {
  deliveryRequests,
  endpointRequests,
  eventRequests,
  type FuzzRequest,
  type FuzzTargets,
  sourceRequests,
  strayRequests,
  tokenRequests,
} from "./fuzz-routes.ts";
import { v1Regressions } from "./fuzz-regressions.ts";
import { FuzzSession } from "./fuzz-session.ts";

const numRuns = Number(process.env.HOOKRELAY_FUZZ_RUNS ?? 150);
const seed = Number(process.env.HOOKRELAY_FUZZ_SEED) || undefined;

let session: FuzzSession;

beforeAll(async () => {
  session = await FuzzSession.start();
}, 30_000);

afterAll(async () => {
  await session?.stop();
});

const families: [string, (targets: FuzzTargets) => fc.Arbitrary<FuzzRequest>][] = [
  ["/v1/endpoints", endpointRequests],
  ["/v1/events", eventRequests],
  ["/v1/deliveries and /v1/dead-letters", deliveryRequests],
  ["/v1/sources", sourceRequests],
  ["/v1/tokens", tokenRequests],
  ["any method on any path", strayRequests],
];

describe("fuzzed /v1 routes", () => {
  for (const [name, family] of families) {
    test(`${name} answer every input with a success or a 4xx problem`, async () => {
      const examples = v1Regressions(session.targets.token)[name] ?? [];
      await session.run(family(session.targets), { numRuns, seed, assert: true, examples });
    }, 120_000);
  }

  test("the relay stays up, healthy, and holds exactly the accepted rows", async () => {
    expect(await session.finish()).toEqual([]);
    expect(session.figures.serverErrors).toBe(0);
  }, 30_000);
});
