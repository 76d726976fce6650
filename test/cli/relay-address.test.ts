/**
 * Where management commands send their requests and admin token. Regression: `endpoints
 * update ep_… --url http://host/newhooks` took --url for the relay's own address, sent the
 * PATCH with the bearer token to that host, and crashed on its answer with a stack trace.
 */
import { describe, expect, test } from "bun:test";
import { runCli } from "../e2e/ops-support.ts";
import { startReceiver } from "../support/receiver.ts";

const token = { HOOKRELAY_TOKEN: "tok-not-for-others-0123456789" };

describe("the relay's address", () => {
  test("--url is refused as an unknown option before any request is sent", async () => {
    using other = startReceiver();
    const args = ["endpoints", "update", "ep_1", "--url", other.url];
    const run = await runCli(args, { ...token, HOOKRELAY_URL: new URL(other.url).origin });

    expect(run.code).toBe(2);
    expect(run.stderr).toStartWith("error: unknown option '--url'\n");
    expect(other.requests).toEqual([]);
  });

  test("an answer that is not JSON is one line naming the URL asked and its status", async () => {
    using other = startReceiver(() => new Response("<html>welcome</html>", { status: 200 }));
    const relayUrl = `${new URL(other.url).origin}/newhooks`;
    const args = ["endpoints", "update", "ep_1", "--disable", "--relay-url", relayUrl];
    const run = await runCli(args, token);

    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 1,
      stderr:
        `hookrelay: the relay at ${relayUrl}/v1/endpoints/ep_1 answered 200 with a body ` +
        "that is not JSON; is --relay-url (or HOOKRELAY_URL) right?\n",
    });
  });

  test("an error page that is not JSON is answered the same way", async () => {
    using other = startReceiver(() => new Response("Not Found", { status: 404 }));
    const origin = new URL(other.url).origin;
    const run = await runCli(["events", "list", "--limit", "5"], {
      ...token,
      HOOKRELAY_URL: origin,
    });

    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 1,
      stderr:
        `hookrelay: the relay at ${origin}/v1/events answered 404 with a body that is not ` +
        "JSON; is --relay-url (or HOOKRELAY_URL) right?\n",
    });
  });

  test("a relay it cannot reach is named with where its address came from", async () => {
    const run = await runCli(["events", "list"], { ...token, HOOKRELAY_PORT: "9" });

    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 1,
      stderr:
        "hookrelay: cannot reach the relay at http://127.0.0.1:9 (from " +
        "HOOKRELAY_HOST/HOOKRELAY_PORT); the address is --relay-url, else HOOKRELAY_URL, else " +
        "http://HOOKRELAY_HOST:HOOKRELAY_PORT (default 127.0.0.1:8080)\n",
    });
  });
});
