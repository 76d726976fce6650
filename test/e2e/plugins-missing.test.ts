/**
 * A relay restarted without the plugins its endpoints name says so at start, once per
 * plugin, with the endpoints that use it, instead of letting every delivery fail quietly.
 */
import { describe, expect, test } from "bun:test";
import { makeDataDir, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { fixtureDir } from "./plugins-support.ts";

describe("plugins in use but not loaded", () => {
  test("are named at start with the endpoints that use them", async () => {
    const dataDir = makeDataDir();
    let endpointId: string;
    {
      const env = { HOOKRELAY_PLUGINS_DIR: fixtureDir("working") };
      await using first = await startRelay({ dataDir, env });
      const endpoint = await first.json<{ id: string }>("/v1/endpoints", {
        method: "POST",
        json: {
          url: "http://127.0.0.1:9/hook",
          signing: { scheme: "fixture-jwt" },
          transform: { plugin: "shout" },
        },
      });
      endpointId = endpoint.id;
      expect(first.logs.some((line) => line.msg === "a plugin in use is not loaded")).toBe(false);
    }
    await using second = await startRelay({ dataDir, env: { HOOKRELAY_PLUGINS_DIR: "/nope" } });
    const warnings = await waitFor("both warnings", () => {
      const found = second.logs.filter((line) => line.msg === "a plugin in use is not loaded");
      return found.length >= 2 && found;
    });

    expect(warnings).toHaveLength(2);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: "warn",
          kind: "signer",
          plugin: "fixture-jwt",
          usedBy: [endpointId],
          pluginsDir: "/nope",
        }),
        expect.objectContaining({ kind: "transform", plugin: "shout", usedBy: [endpointId] }),
      ]),
    );
  }, 30_000);
});
