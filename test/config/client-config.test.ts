import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadClientConfig } from "../../src/config/client-config.ts";
import { useTempDir } from "../e2e/ops-support.ts";

describe("the management commands' connection", () => {
  test("takes flags over HOOKRELAY_URL and HOOKRELAY_TOKEN over the bootstrap token", () => {
    const env = {
      HOOKRELAY_URL: "http://relay.internal:8080/",
      HOOKRELAY_TOKEN: "hr_named",
      HOOKRELAY_API_TOKEN: "hr_bootstrap",
    };
    expect(loadClientConfig(env, {})).toEqual({
      url: "http://relay.internal:8080",
      token: "hr_named",
    });
    expect(loadClientConfig(env, { url: "https://x.example", token: "hr_flag" })).toEqual({
      url: "https://x.example",
      token: "hr_flag",
    });
    expect(loadClientConfig({ HOOKRELAY_API_TOKEN: "hr_bootstrap" }, {}).token).toBe(
      "hr_bootstrap",
    );
  });

  test("falls back to the relay's address settings and its generated token", () => {
    using dir = useTempDir();
    writeFileSync(join(dir.path, "api-token"), "hr_generated\n");
    const env = { HOOKRELAY_PORT: "9999", HOOKRELAY_DATA_DIR: dir.path };
    expect(loadClientConfig(env, {})).toEqual({
      url: "http://127.0.0.1:9999",
      token: "hr_generated",
    });
  });

  test("says how to give a token when there is none", () => {
    using dir = useTempDir();
    expect(() => loadClientConfig({ HOOKRELAY_DATA_DIR: dir.path }, {})).toThrow(
      /HOOKRELAY_TOKEN: no API token; set HOOKRELAY_TOKEN or pass --token/,
    );
  });
});
