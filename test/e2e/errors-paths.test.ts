/** Unknown ids, malformed ids, bad query parameters and unknown routes get a problem+json. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Relay, startRelay } from "../support/relay.ts";
import { expectProblem, unknownId } from "./api-fixtures.ts";

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(() => relay.stop());

describe("paths and query parameters", () => {
  test.each([
    [`/v1/endpoints/${unknownId("ep")}`],
    [`/v1/endpoints/${unknownId("ep")}/secret`],
    [`/v1/events/${unknownId("evt")}`],
    [`/v1/deliveries/${unknownId("dlv")}`],
  ])("answers 404 not-found for the unknown id in GET %s", async (path) => {
    await expectProblem(await relay.api(path), { status: 404, slug: "not-found" });
  });

  test.each([["/v1/endpoints/not-an-id"], ["/v1/deliveries/dlv_%20bad"], ["/v1/events/a%2Fb"]])(
    "answers 404 or 422 for the malformed id in GET %s",
    async (path) => {
      const response = await relay.api(path);
      const slug = response.status === 422 ? "validation-failed" : "not-found";
      await expectProblem(response, { status: response.status === 422 ? 422 : 404, slug });
    },
  );

  test.each([
    ["/v1/endpoints?limit=0", "query:limit"],
    ["/v1/endpoints?limit=251", "query:limit"],
    ["/v1/endpoints?limit=ten", "query:limit"],
    ["/v1/deliveries?limit=-1", "query:limit"],
    ["/v1/deliveries?status=bogus", "query:status"],
    ["/v1/events?cursor=%21%21not-a-cursor", "query:cursor"],
    ["/v1/dead-letters?limit=1.5", "query:limit"],
  ])("refuses GET %s with 422 at %s", async (path, field) => {
    await expectProblem(await relay.api(path), { status: 422, slug: "validation-failed", field });
  });

  test("a refused status filter lists the statuses there are", async () => {
    const problem = await expectProblem(await relay.api("/v1/deliveries?status=failed"), {
      status: 422,
      slug: "validation-failed",
      field: "query:status",
    });
    expect(problem.detail).toBe(
      'query:status: must be one of "pending", "succeeded", "dead", "cancelled" or "skipped"',
    );
  });

  test("answers an unknown route with a 404 problem", async () => {
    await expectProblem(await relay.api("/v1/widgets"), { status: 404, slug: "not-found" });
    await expectProblem(await relay.api("/nowhere"), { status: 404, slug: "not-found" });
  });
});
