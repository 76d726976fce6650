/**
 * server.max_bodies_in_flight and server.body_timeout. While request bodies of that many bytes
 * are held, a new request with a body gets 503 problem+json with Retry-After before it is
 * read, and nothing of it is stored; the API and the ingest URLs have a budget each, and one
 * source holds at most half of the ingest one. A body that does not arrive in time gets 408
 * and frees what it held. A chunked body that never ends holds its whole cap, which makes
 * "held" exact in a test.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";

let relay: Relay;

beforeAll(async () => {
  relay = await startRelay({
    env: {
      HOOKRELAY_MAX_BODY: "256KiB",
      HOOKRELAY_MAX_BODIES_IN_FLIGHT: "2MiB",
      // Held bodies must stay held however slow the machine; the deadline has its own relay.
      HOOKRELAY_BODY_TIMEOUT: "0",
    },
  });
});

afterAll(async () => {
  await relay.stop();
});

type Pool = "api" | "ingest";

async function heldBytes(pool: Pool, on = relay): Promise<number> {
  const metrics = await on.api("/metrics").then((r) => r.text());
  const line = new RegExp(
    `^hookrelay_request_bodies_in_flight_bytes\\{pool="${pool}"\\} (\\d+)`,
    "m",
  );
  return Number(line.exec(metrics)?.[1] ?? 0);
}

async function openPost(path: string, framing: string, on = relay): Promise<Socket> {
  const { hostname, port } = new URL(on.url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const head = [
    `POST ${path} HTTP/1.1`,
    `host: ${hostname}:${port}`,
    `authorization: Bearer ${on.token}`,
    "content-type: application/json",
    framing,
    "",
    "",
  ].join("\r\n");
  socket.write(head);
  return socket;
}

/**
 * A chunked POST whose first chunk is sent and whose end never is, until the socket closes;
 * returned once the relay counts its whole cap (a request racing in first could refuse it).
 */
async function holdChunkedPost(path: string, pool: Pool, capBytes: number): Promise<Socket> {
  const before = await heldBytes(pool);
  const socket = await openPost(path, "transfer-encoding: chunked");
  socket.write("1\r\n{\r\n");
  await waitFor("the chunked body counted as held", async () => {
    return (await heldBytes(pool)) >= before + capBytes;
  });
  return socket;
}

/** Closes the held requests when the test ends, failed or not, so the next one starts empty. */
function releaseAtEnd(...sockets: Socket[]): Disposable {
  return { [Symbol.dispose]: () => sockets.forEach((socket) => socket.destroy()) };
}

const publish = (type: string) =>
  relay.api("/v1/events", { method: "POST", json: { type, payload: { n: 1 } } });

const ingest = (name: string, type: string) =>
  fetch(`${relay.url}/in/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type }),
  });

async function createSource(name: string, on = relay): Promise<string> {
  const source = await on.json<{ name: string }>("/v1/sources", {
    method: "POST",
    json: { name, verifier: { scheme: "none" }, maxBodyBytes: 512 * 1024 },
  });
  return source.name;
}

async function countEventsOfType(type: string, on = relay): Promise<number> {
  const page = await on.json<{ data: unknown[] }>(`/v1/events?type=${type}&limit=100`);
  return page.data.length;
}

async function expectUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get("content-type")).toStartWith("application/problem+json");
  expect(response.headers.get("retry-after")).toBe("1");
  const problem = (await response.json()) as Record<string, unknown>;
  expect(problem).toMatchObject({ status: 503, type: "urn:hookrelay:problem:unavailable" });
  expect(String(problem.detail)).toContain("server.max_bodies_in_flight");
}

const kib = 1024;

describe("bodies in flight", () => {
  test("refuses a publish with 503 while held bodies fill the API budget, then lets it in", async () => {
    const held = [];
    for (let i = 0; i < 8; i++) held.push(await holdChunkedPost("/v1/events", "api", 256 * kib));
    using _ = releaseAtEnd(...held);

    await expectUnavailable(await publish("budget.refused"));
    expect(await countEventsOfType("budget.refused")).toBe(0);
    for (const socket of held) socket.destroy();
    await waitFor("a publish accepted again", async () => {
      const response = await publish("budget.accepted");
      await response.body?.cancel();
      return response.status === 202;
    });
    const metrics = await relay.api("/metrics").then((r) => r.text());
    expect(metrics).toMatch(
      /^hookrelay_requests_refused_bodies_in_flight_total\{pool="api"\} [1-9]/m,
    );
  }, 30_000);

  test("one source holds at most half the ingest budget; others and the API still get in", async () => {
    const busy = await createSource("budget-busy");
    const other = await createSource("budget-other");
    const first = await holdChunkedPost(`/in/${busy}`, "ingest", 512 * kib);
    const second = await holdChunkedPost(`/in/${busy}`, "ingest", 512 * kib);
    using _ = releaseAtEnd(first, second);

    await expectUnavailable(await ingest(busy, "budget.busy"));
    expect((await ingest(other, "budget.other")).status).toBe(202);
    expect((await publish("budget.api-during-ingest")).status).toBe(202);
    expect(await countEventsOfType("budget.busy")).toBe(0);
  }, 30_000);

  test("requests without a body are never refused for it", async () => {
    const held = [];
    for (let i = 0; i < 8; i++) held.push(await holdChunkedPost("/v1/events", "api", 256 * kib));
    using _ = releaseAtEnd(...held);

    expect((await publish("budget.full")).status).toBe(503);
    expect((await relay.api("/v1/events?limit=1")).status).toBe(200);
  }, 30_000);
});

describe("the body deadline", () => {
  let slow: Relay;
  beforeAll(async () => {
    slow = await startRelay({ env: { HOOKRELAY_BODY_TIMEOUT: "1s" } });
  });
  afterAll(async () => {
    await slow.stop();
  });

  /** Sends part of a body, a byte at a time, until the relay answers. */
  async function trickle(path: string, framing = "content-length: 1000"): Promise<string> {
    const socket = await openPost(path, framing, slow);
    using _ = releaseAtEnd(socket);
    let answer = "";
    socket.on("data", (data) => {
      answer += String(data);
    });
    const chunked = framing.startsWith("transfer-encoding");
    const piece = (text: string) => (chunked ? `${text.length}\r\n${text}\r\n` : text);
    socket.write(piece("{"));
    const sender = setInterval(() => socket.writable && socket.write(piece(" ")), 200);
    try {
      return await waitFor(
        "an answer to the slow body",
        () => answer.includes("\r\n\r\n") && answer,
      );
    } finally {
      clearInterval(sender);
    }
  }

  test.each(["content-length: 1000", "transfer-encoding: chunked"])(
    "answers 408 to a trickling publish (%s) and frees its budget",
    async (framing) => {
      const answer = await trickle("/v1/events", framing);

      expect(answer).toStartWith("HTTP/1.1 408");
      expect(answer).toContain("urn:hookrelay:problem:request-timeout");
      expect(answer).toContain("server.body_timeout");
      await waitFor("the API budget empty", async () => (await heldBytes("api", slow)) === 0);
    },
    30_000,
  );

  test("answers 408 to a trickling ingest request, and stores nothing", async () => {
    const name = await createSource("budget-slow", slow);
    const answer = await trickle(`/in/${name}`, "transfer-encoding: chunked");

    expect(answer).toStartWith("HTTP/1.1 408");
    expect(answer).toContain("urn:hookrelay:problem:request-timeout");
    await waitFor("the ingest budget empty", async () => (await heldBytes("ingest", slow)) === 0);
    expect(await countEventsOfType("webhook", slow)).toBe(0);
  }, 30_000);

  test("a sender that hangs up mid-body is no 5xx and no error in the log", async () => {
    const name = await createSource("budget-hangup", slow);
    const answered = async () => {
      const metrics = await slow.api("/metrics").then((r) => r.text());
      const count = (status: string) => {
        const line = new RegExp(
          `^hookrelay_http_responses_total\\{route="ingest",status="${status}"\\} (\\d+)`,
          "m",
        );
        return Number(line.exec(metrics)?.[1] ?? 0);
      };
      return { client: count("4xx"), server: count("5xx") };
    };
    const before = await answered();
    for (const framing of ["content-length: 1000", "transfer-encoding: chunked"]) {
      const socket = await openPost(`/in/${name}`, framing, slow);
      socket.write(framing.startsWith("transfer") ? "1\r\n{\r\n" : "{");
      await waitFor("the body counted as held", async () => (await heldBytes("ingest", slow)) > 0);
      socket.destroy();
    }
    const after = await waitFor("both requests answered", async () => {
      const now = await answered();
      return now.client + now.server >= before.client + before.server + 2 && now;
    });
    expect(after).toEqual({ client: before.client + 2, server: before.server });
    expect(slow.logs.filter((line) => line.level === "error")).toEqual([]);
  }, 30_000);
});
