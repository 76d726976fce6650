/**
 * server.max_bodies_in_flight: while request bodies of that many bytes are held, a new
 * request with a body gets 503 problem+json with Retry-After before it is read, on the API
 * and the ingest URLs alike, and nothing of it is stored; once they are gone, requests pass.
 * A chunked body that never ends holds its whole cap, which makes "held" exact in a test.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";

let relay: Relay;

beforeAll(async () => {
  relay = await startRelay({
    env: { HOOKRELAY_MAX_BODY: "256KiB", HOOKRELAY_MAX_BODIES_IN_FLIGHT: "64KiB" },
  });
});

afterAll(async () => {
  await relay.stop();
});

/** A chunked POST whose first chunk is sent and whose end never is, until the socket closes. */
async function holdChunkedPost(path: string): Promise<Socket> {
  const { hostname, port } = new URL(relay.url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const head = [
    `POST ${path} HTTP/1.1`,
    `host: ${hostname}:${port}`,
    `authorization: Bearer ${relay.token}`,
    "content-type: application/json",
    "transfer-encoding: chunked",
    "",
    "",
  ].join("\r\n");
  socket.write(`${head}1\r\n{\r\n`);
  // Held once the relay counts its whole cap; a publish racing in first would get it refused.
  await waitFor("the chunked body counted as held", async () => {
    const metrics = await relay.api("/metrics").then((r) => r.text());
    const held = /^hookrelay_request_bodies_in_flight_bytes (\d+)/m.exec(metrics)?.[1];
    return Number(held) >= 256 * 1024;
  });
  return socket;
}

/** Closes the held request when the test ends, failed or not, so the next one starts empty. */
function releaseAtEnd(socket: Socket): Disposable {
  return { [Symbol.dispose]: () => socket.destroy() };
}

const publish = (type: string) =>
  relay.api("/v1/events", { method: "POST", json: { type, payload: { n: 1 } } });

async function countEventsOfType(type: string): Promise<number> {
  const page = await relay.json<{ data: unknown[] }>(`/v1/events?type=${type}&limit=100`);
  return page.data.length;
}

describe("bodies in flight", () => {
  test("refuses a publish with 503 while a held body fills the budget, then lets it in", async () => {
    const held = await holdChunkedPost("/v1/events");
    using _ = releaseAtEnd(held);
    const refused = await waitFor("a publish refused for bodies in flight", async () => {
      const response = await publish("budget.refused");
      return response.status === 503 ? response : (await response.body?.cancel(), undefined);
    });

    expect(refused.headers.get("content-type")).toStartWith("application/problem+json");
    expect(refused.headers.get("retry-after")).toBe("1");
    const problem = (await refused.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 503, type: "urn:hookrelay:problem:unavailable" });
    expect(String(problem.detail)).toContain("server.max_bodies_in_flight");

    held.destroy();
    await waitFor("a publish accepted again", async () => {
      const response = await publish("budget.accepted");
      await response.body?.cancel();
      return response.status === 202;
    });
    const metrics = await relay.api("/metrics").then((r) => r.text());
    expect(metrics).toMatch(/^hookrelay_requests_refused_bodies_in_flight_total [1-9]/m);
  }, 30_000);

  test("an ingest body held fills the same budget for the API", async () => {
    const source = await relay.json<{ name: string }>("/v1/sources", {
      method: "POST",
      json: { name: "budget-source", verifier: { scheme: "none" } },
    });
    const held = await holdChunkedPost(`/in/${source.name}`);
    using _ = releaseAtEnd(held);
    await waitFor("a publish refused while an ingest body is held", async () => {
      const response = await publish("budget.during-ingest");
      await response.body?.cancel();
      return response.status === 503;
    });
    const ingest = await fetch(`${relay.url}/in/${source.name}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "budget.ingest" }),
    });
    expect(ingest.status).toBe(503);
    expect(await ingest.text()).toContain("server.max_bodies_in_flight");

    held.destroy();
    await waitFor("an ingest accepted again", async () => {
      const response = await fetch(`${relay.url}/in/${source.name}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "budget.ingest" }),
      });
      await response.body?.cancel();
      return response.status === 202;
    });
    expect(await countEventsOfType("budget.ingest")).toBe(1);
  }, 30_000);

  test("requests without a body are never refused for it", async () => {
    const held = await holdChunkedPost("/v1/events");
    using _ = releaseAtEnd(held);
    await waitFor("the budget full", async () => {
      const response = await publish("budget.full");
      await response.body?.cancel();
      return response.status === 503;
    });
    const list = await relay.api("/v1/events?limit=1");
    expect(list.status).toBe(200);
  }, 30_000);
});
