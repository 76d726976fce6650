/**
 * One relay for a whole test file: started before its first test, stopped after its last,
 * together with the receivers its tests started (push them onto `receivers`). `relay` can be
 * used at the top of the file, before the relay exists: each use of it is forwarded to the
 * relay running at that moment, so tests and `beforeAll` hooks read it when they run.
 */
import { afterAll, beforeAll } from "bun:test";
import type { Receiver } from "./receiver.ts";
import { type Relay, type RelayOptions, startRelay } from "./relay.ts";

export function relayPerFile(options: RelayOptions = {}): { relay: Relay; receivers: Receiver[] } {
  let running: Relay | undefined;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    running = await startRelay(options);
  });
  afterAll(async () => {
    for (const receiver of receivers) receiver.stop();
    await running?.stop();
  });
  const relay = new Proxy({} as Relay, {
    get(_target, key) {
      if (!running) throw new Error("the file's relay is used before its beforeAll started it");
      const value = Reflect.get(running, key);
      return typeof value === "function" ? value.bind(running) : value;
    },
  });
  return { relay, receivers };
}
