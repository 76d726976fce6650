/**
 * `hookrelay backup` while the relay serves under load: the copy passes PRAGMA
 * integrity_check and holds every event that was acknowledged before the backup started.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { createEndpoint } from "./api-fixtures.ts";
import { runCli, slow, useTempDir } from "./ops-support.ts";

describe("hookrelay backup", () => {
  test("copies a consistent database under load, with every event accepted before it", async () => {
    using dir = useTempDir();
    using receiver = startReceiver();
    await using relay = await startRelay({ dataDir: join(dir.path, "data") });
    await createEndpoint(relay, { url: receiver.url });

    const accepted: { id: string; at: number }[] = [];
    let publishing = true;
    const publisher = async () => {
      for (let i = 0; publishing; i++) {
        const response = await relay.api("/v1/events", {
          method: "POST",
          json: { type: "load.tick", payload: { i, pad: "x".repeat(512) } },
        });
        if (response.status === 202) {
          accepted.push({ id: ((await response.json()) as { id: string }).id, at: Date.now() });
        }
      }
    };
    const load = Promise.all([publisher(), publisher(), publisher(), publisher()]);
    await waitFor("some load to build up", () => accepted.length >= 300, 20_000);

    const startedAt = Date.now();
    const acceptedBefore = accepted.filter((event) => event.at < startedAt).map((e) => e.id);
    const file = join(dir.path, "copy.db");
    const run = await runCli(["backup", file, "--json"], { HOOKRELAY_DATA_DIR: relay.dataDir });
    const acceptedDuring = accepted.length;
    publishing = false;
    await load;

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    const report = JSON.parse(run.stdout) as { integrity: string; events: number };
    expect(report.integrity).toBe("ok");
    expect(acceptedDuring).toBeGreaterThan(acceptedBefore.length);

    const copy = createClient({ url: `file:${file}` });
    try {
      const check = await copy.execute("PRAGMA integrity_check");
      expect(check.rows.map((row) => row[0])).toEqual(["ok"]);
      const rows = await copy.execute("SELECT id FROM events");
      const inCopy = new Set(rows.rows.map((row) => String(row[0])));
      expect(acceptedBefore.filter((id) => !inCopy.has(id))).toEqual([]);
      expect(inCopy.size).toBe(report.events);
    } finally {
      copy.close();
    }
  }, 60_000);

  test(
    "refuses to overwrite an existing file",
    async () => {
      using dir = useTempDir();
      await using relay = await startRelay({ dataDir: join(dir.path, "data") });
      const file = join(dir.path, "copy.db");
      expect((await runCli(["backup", file], { HOOKRELAY_DATA_DIR: relay.dataDir })).code).toBe(0);
      const again = await runCli(["backup", file], { HOOKRELAY_DATA_DIR: relay.dataDir });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("already exists");
      expect(existsSync(file)).toBe(true);
    },
    slow,
  );
});
