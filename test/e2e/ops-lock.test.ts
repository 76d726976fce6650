/**
 * One relay per database: a second `serve` on the same data directory refuses to start with
 * a clear message, and the lock goes with its holder, even when that holder is SIGKILLed.
 */
import { describe, expect, test } from "bun:test";
import { startRelay } from "../support/relay.ts";
import { slow, useTempDir } from "./ops-support.ts";

describe("the data directory lock", () => {
  test(
    "refuses a second relay on the same data directory",
    async () => {
      using dir = useTempDir();
      await using first = await startRelay({ dataDir: dir.path });
      await expect(startRelay({ dataDir: dir.path })).rejects.toThrow(
        /relay exited 1:.*another hookrelay is already serving this database/s,
      );
      // The first one is untouched and still answers.
      expect((await first.api("/v1/endpoints")).status).toBe(200);
    },
    slow,
  );

  test(
    "is released when its holder is killed with SIGKILL",
    async () => {
      using dir = useTempDir();
      const first = await startRelay({ dataDir: dir.path });
      await first.kill("SIGKILL");
      await using second = await startRelay({ dataDir: dir.path });
      expect((await second.api("/v1/endpoints")).status).toBe(200);
    },
    slow,
  );

  test(
    "is released by a clean shutdown",
    async () => {
      using dir = useTempDir();
      const first = await startRelay({ dataDir: dir.path });
      expect(await first.kill("SIGTERM")).toBe(0);
      await using second = await startRelay({ dataDir: dir.path });
      expect((await second.api("/healthz")).status).toBe(200);
    },
    slow,
  );
});
