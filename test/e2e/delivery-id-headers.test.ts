/**
 * Every delivery carries `hookrelay-event-id` and `hookrelay-attempt`, whatever its signing
 * scheme: with `hmac` the signature header is all a scheme adds, and a receiver still needs
 * the event id to dedupe on. Nobody else may set these headers.
 */
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { createEndpoint, expectProblem, publish, waitForRequests } from "./api-fixtures.ts";

describe("hookrelay-event-id and hookrelay-attempt", () => {
  test("come with every attempt of an hmac-signed endpoint, counting the retries", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver((_request, index) =>
      index === 0 ? new Response("not yet", { status: 503 }) : new Response("ok"),
    );
    const secret = "an-hmac-secret-of-some-length";
    const endpoint = await createEndpoint(relay, {
      url: receiver.url,
      secret,
      signing: { scheme: "hmac", options: { header: "x-signature" } },
    });
    const { body } = await publish(relay, { type: "id.check", payload: { n: 1 } });
    const [first, second] = await waitForRequests(receiver, 2);

    for (const request of [first!, second!]) {
      expect(request.headers["hookrelay-event-id"]).toBe(body.id);
      expect(request.headers["webhook-id"]).toBeUndefined();
    }
    expect([first!.headers["hookrelay-attempt"], second!.headers["hookrelay-attempt"]]).toEqual([
      "1",
      "2",
    ]);
    const mac = createHmac("sha256", secret).update(second!.bodyBytes).digest("hex");
    expect(second!.headers["x-signature"]).toContain(mac);
    expect(endpoint.id).toMatch(/^ep_/);
  });

  test("cannot be set as an endpoint's own header", async () => {
    await using relay = await startRelay();
    const response = await relay.api("/v1/endpoints", {
      method: "POST",
      json: { url: "http://127.0.0.1:9/hook", headers: { "hookrelay-event-id": "forged" } },
    });
    await expectProblem(response, {
      status: 422,
      slug: "validation-failed",
      field: "/headers/hookrelay-event-id",
    });
  });

  test("cannot be taken by a signer's header option", async () => {
    await using relay = await startRelay();
    for (const options of [
      { header: "hookrelay-event-id" },
      { timestampHeader: "hookrelay-attempt" },
    ]) {
      const response = await relay.api("/v1/endpoints", {
        method: "POST",
        json: { url: "http://127.0.0.1:9/hook", signing: { scheme: "hmac", options } },
      });
      const problem = await expectProblem(response, {
        status: 422,
        slug: "validation-failed",
        field: "/signing/options",
      });
      expect(JSON.stringify(problem)).toContain("a header the relay sets itself");
    }
  });
});
