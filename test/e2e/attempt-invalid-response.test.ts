/**
 * Answers that are not well-formed HTTP are recorded as `invalid_response`, with the status
 * code only when a status line was received; a connection closed before any answer stays a
 * `connection_error`. The receivers are raw TCP servers on loopback writing broken bytes.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createServer, type Server, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { type Attempt, createEndpoint, getDelivery, publish } from "./api-fixtures.ts";

/** Answers every request by handing its socket to `answer` once the request's bytes arrive. */
async function startRawReceiver(answer: (socket: Socket) => void) {
  const server: Server = createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => answer(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hooks`, close: () => server.close() };
}

/** Writes the head and a part of the body, then drops the connection. */
const cutShort = (head: string, part: string) => (socket: Socket) =>
  socket.write(head + part, () => socket.destroy());

const head = (status: string, headers: string) => `HTTP/1.1 ${status}\r\n${headers}\r\n\r\n`;

const cases: [string, (socket: Socket) => void, number | null, Attempt["error"]][] = [
  [
    "a bad chunk size",
    (s) => s.end(`${head("200 OK", "Transfer-Encoding: chunked")}zz\r\nhello\r\n0\r\n\r\n`),
    200,
    "invalid_response",
  ],
  [
    "a body that is not the gzip it claims",
    (s) => s.end(`${head("200 OK", "Content-Encoding: gzip\r\nContent-Length: 8")}not gzip`),
    200,
    "invalid_response",
  ],
  [
    "a gzip body cut short",
    (s) => {
      const partial = gzipSync(Buffer.from("x".repeat(1000))).subarray(0, 20);
      const headers = `Content-Encoding: gzip\r\nContent-Length: ${partial.length}`;
      s.end(Buffer.concat([Buffer.from(head("200 OK", headers)), partial]));
    },
    200,
    "invalid_response",
  ],
  [
    "a body cut mid-way",
    cutShort(head("503 Service Unavailable", "Content-Length: 100"), "short"),
    503,
    "invalid_response",
  ],
  ["bytes that are not HTTP", (s) => s.end("SSH-2.0-OpenSSH_9.6\r\n"), null, "invalid_response"],
  [
    "a Content-Length that is not a number",
    (s) => s.end(`${head("200 OK", "Content-Length: abc")}hello`),
    null,
    "invalid_response",
  ],
  ["a connection closed before any answer", (s) => s.destroy(), null, "connection_error"],
];

let relay: Relay;
const receivers: { close(): void }[] = [];
beforeAll(async () => {
  // One attempt per delivery is enough; the schedule keeps a second one far away.
  relay = await startRelay({ env: { HOOKRELAY_RETRY_SCHEDULE: "1h" } });
});
afterAll(async () => {
  await relay.stop();
  for (const receiver of receivers) receiver.close();
});

test.each(cases)("records %s as its error", async (label, answer, statusCode, error) => {
  const receiver = await startRawReceiver(answer);
  receivers.push(receiver);
  const type = `broken.${label.replaceAll(" ", "-").replace(/[^a-z-]/gi, "")}`;
  await createEndpoint(relay, { url: receiver.url, eventTypes: [type] });
  const published = await publish(relay, { type, payload: {} });
  const deliveryId = published.body.deliveries[0]!.id;
  const delivery = await waitFor("the first attempt to be recorded", async () => {
    const current = await getDelivery(relay, deliveryId);
    return current.attempts.length >= 1 && current;
  });
  const attempt = delivery.attempts[0]!;
  expect({ statusCode: attempt.statusCode, error: attempt.error }).toEqual({ statusCode, error });
  expect(delivery).toMatchObject({
    status: "pending",
    lastStatusCode: statusCode,
    lastError: error,
  });
  expect(attempt.responseBody).not.toBe("");
});
