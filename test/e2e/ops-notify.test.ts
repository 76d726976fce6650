/**
 * sd_notify for Type=notify: under a $NOTIFY_SOCKET the relay sends READY=1 once it listens,
 * WATCHDOG=1 pings when $WATCHDOG_USEC asks, RELOADING=1 then READY=1 around a SIGHUP, and
 * STOPPING=1 at shutdown. The test plays systemd: a unix datagram socket bound with libc
 * through bun:ffi (Bun has no unix datagram sockets of its own).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { bindNotifySocket } from "./ops-notify-socket.ts";
import { slow, useTempDir } from "./ops-support.ts";

describe("a relay under systemd (Type=notify)", () => {
  test.skipIf(process.platform !== "linux")(
    "notifies ready, pings the watchdog, and reports reloads and stopping",
    async () => {
      using dir = useTempDir();
      const path = join(dir.path, "notify.sock");
      using socket = bindNotifySocket(path);
      const relay = await startRelay({
        env: { NOTIFY_SOCKET: path, WATCHDOG_USEC: "100000" },
      });
      try {
        const ready = await waitFor("READY=1", () =>
          socket.drain().find((m) => m.startsWith("READY=1")),
        );
        expect(ready).toContain(`MAINPID=${relay.process.pid}`);
        expect(ready).toContain(`STATUS=listening on ${relay.url}`);
        await waitFor(
          "two watchdog pings",
          () => socket.drain().filter((m) => m === "WATCHDOG=1").length >= 2,
        );

        socket.messages.length = 0;
        relay.process.kill("SIGHUP");
        await waitFor("RELOADING=1 then READY=1", () => {
          const sent = socket.drain().filter((m) => m !== "WATCHDOG=1");
          return sent.length >= 2 && sent;
        }).then((sent) => {
          expect(sent[0]).toBe("RELOADING=1");
          expect(sent[1]).toStartWith("READY=1");
        });
      } finally {
        expect(await relay.kill("SIGTERM")).toBe(0);
        await relay.stop();
      }
      expect(socket.drain()).toContain("STOPPING=1");
    },
    slow,
  );
});
