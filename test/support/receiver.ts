/**
 * A real HTTP receiver on a loopback ephemeral port that records every request and answers
 * with whatever the test's responder returns.
 */
import type { Server } from "bun";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  bodyBytes: Uint8Array;
  receivedAt: number;
}

export type Responder = (req: ReceivedRequest, index: number) => Response | Promise<Response>;

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  respondWith(responder: Responder): void;
  stop(): void;
  [Symbol.dispose](): void;
}

export function startReceiver(responder: Responder = () => new Response("ok")): Receiver {
  const requests: ReceivedRequest[] = [];
  let current = responder;
  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const bodyBytes = new Uint8Array(await request.arrayBuffer());
      const received: ReceivedRequest = {
        method: request.method,
        path: new URL(request.url).pathname,
        headers: Object.fromEntries(request.headers.entries()),
        body: new TextDecoder().decode(bodyBytes),
        bodyBytes,
        receivedAt: Date.now(),
      };
      const index = requests.push(received) - 1;
      return current(received, index);
    },
  });
  const stop = () => server.stop(true);
  return {
    url: `http://127.0.0.1:${server.port}/hooks`,
    requests,
    respondWith(next) {
      current = next;
    },
    stop,
    [Symbol.dispose]: stop,
  };
}

export interface HeldReceiver extends Receiver {
  /** Lets every held request, and every later one, through with `200 ok`. */
  release(): void;
}

/** A receiver that holds each request unanswered until `release()`: its attempts stay in flight. */
export function startHeldReceiver(): HeldReceiver {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const receiver = startReceiver(async () => {
    await released;
    return new Response("ok");
  });
  return Object.assign(receiver, { release });
}
