/**
 * Idempotency keys and inbound delivery ids live with their event, so retention bounds them:
 * a dedupe window longer than events are kept is refused, and a retention shorter than the
 * 24 h idempotency window is warned about at start.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { uniqueSourceName } from "../fixtures/inbound/inbound-fixtures.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { expectProblem } from "./api-fixtures.ts";

const verifier = { scheme: "github", secrets: ["retention-github-secret-01"] };

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay({
    env: { HOOKRELAY_RETENTION_SUCCEEDED: "1h", HOOKRELAY_RETENTION_DEAD: "2h" },
  });
});
afterAll(() => relay.stop());

const createSource = (dedupeWindowSeconds: number) =>
  relay.api("/v1/sources", {
    method: "POST",
    json: { name: uniqueSourceName("ret"), verifier, dedupeWindowSeconds },
  });

describe("a retention of 1 h", () => {
  test("refuses a source whose dedupe window is longer, at /dedupeWindowSeconds", async () => {
    const problem = await expectProblem(await createSource(3601), {
      status: 422,
      slug: "validation-failed",
      field: "/dedupeWindowSeconds",
    });
    expect(problem.errors).toEqual([
      {
        field: "/dedupeWindowSeconds",
        message:
          "is longer than retention.succeeded (1 hour): a delivery id is forgotten when its " +
          "event is deleted; at most 3600 seconds",
      },
    ]);
  });

  test("takes a dedupe window as long as the retention", async () => {
    expect((await createSource(3600)).status).toBe(201);
  });

  test("refuses a PATCH that makes the window longer", async () => {
    const created = (await (await createSource(600)).json()) as { id: string };
    const patch = await relay.api(`/v1/sources/${created.id}`, {
      method: "PATCH",
      json: { dedupeWindowSeconds: 7200 },
    });
    await expectProblem(patch, {
      status: 422,
      slug: "validation-failed",
      field: "/dedupeWindowSeconds",
    });
  });

  test("is warned about at start, once", () => {
    const warnings = relay.logs.filter((line) =>
      String(line.msg).startsWith("retention is shorter than the 24 h idempotency window"),
    );
    expect(warnings).toEqual([
      expect.objectContaining({ retentionMs: 3_600_000, idempotencyWindowMs: 86_400_000 }),
    ]);
  });
});

test("a default retention warns about nothing", async () => {
  await using fresh = await startRelay();
  expect(fresh.logs.some((line) => String(line.msg).startsWith("retention is shorter"))).toBe(
    false,
  );
});
