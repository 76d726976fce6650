/** `hookrelay endpoints test <id>`: a signed test event to one endpoint, from the command line. */
import { describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { createEndpoint, verifySignature, waitForRequests } from "../e2e/api-fixtures.ts";
import { runCli, slow } from "../e2e/ops-support.ts";

describe("hookrelay endpoints test", () => {
  test(
    "sends the event given to that endpoint, and says so",
    async () => {
      await using relay = await startRelay();
      using receiver = startReceiver();
      const endpoint = await createEndpoint(relay, { url: receiver.url });
      const env = { HOOKRELAY_URL: relay.url, HOOKRELAY_TOKEN: relay.token };
      const run = await runCli(
        [
          "endpoints",
          "test",
          endpoint.id,
          "--type",
          "invoice.paid",
          "--payload",
          '{"n":1}',
          "--json",
        ],
        env,
      );
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
      const sent = JSON.parse(run.stdout) as { eventId: string; deliveryId: string };
      const [request] = await waitForRequests(receiver, 1);
      expect(request!.headers["webhook-id"]).toBe(sent.eventId);
      expect(verifySignature(endpoint.secret, request!)).toMatchObject({ data: { n: 1 } });

      const bad = await runCli(["endpoints", "test", endpoint.id, "--payload", "{bad"], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("--payload");
    },
    slow,
  );
});
