import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/config.ts";
import { HookrelayError } from "../../src/errors/hookrelay-error.ts";

describe("loadConfig", () => {
  test("has the documented defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      retryScheduleMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      retryJitter: 0.2,
      attemptTimeoutMs: 15_000,
      maxBodyBytes: 1024 * 1024,
      responseBodyMaxBytes: 16 * 1024,
      endpointConcurrency: 4,
      secretOverlapMs: 24 * 3_600_000,
    });
    expect(config.databaseUrl).toEndWith("/data/hookrelay.db");
  });

  test("lets flags override the environment", () => {
    const config = loadConfig({ HOOKRELAY_PORT: "9000", HOOKRELAY_HOST: "::1" }, { port: "9100" });
    expect([config.port, config.host]).toEqual([9100, "::1"]);
  });

  test("parses a retry schedule written with units", () => {
    expect(loadConfig({ HOOKRELAY_RETRY_SCHEDULE: "1s,2s,4s" }).retryScheduleMs).toEqual([
      1_000, 2_000, 4_000,
    ]);
  });

  test("reports every invalid setting at once, by name", () => {
    let caught: unknown;
    try {
      loadConfig({
        HOOKRELAY_PORT: "http",
        HOOKRELAY_RETRY_SCHEDULE: "1s,soon",
        HOOKRELAY_MAX_BODY: "big",
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HookrelayError);
    const error = caught as HookrelayError;
    expect(error.code).toBe("ERR_CONFIG");
    for (const name of ["HOOKRELAY_PORT", "HOOKRELAY_RETRY_SCHEDULE", "HOOKRELAY_MAX_BODY"]) {
      expect(error.message).toContain(name);
    }
  });

  test.each([
    ["not a url", "must be an absolute http or https URL"],
    ["ftp://alerts.example/hook", "must be an absolute http or https URL"],
    ["https://user:pw@alerts.example/hook", "must not contain credentials"],
    ["https://alerts.example:0/hook", "must not use port 0"],
  ])("refuses the operational webhook URL %s as an endpoint URL", (url, message) => {
    expect(() => loadConfig({ HOOKRELAY_OPERATIONAL_WEBHOOK_URL: url })).toThrow(
      new RegExp(`HOOKRELAY_OPERATIONAL_WEBHOOK_URL.*${message}`),
    );
  });

  test("refuses an operational webhook URL the SSRF guard refuses, with the hint", () => {
    const env = { HOOKRELAY_OPERATIONAL_WEBHOOK_URL: "http://169.254.169.254/latest" };
    expect(() => loadConfig(env)).toThrow(
      /HOOKRELAY_OPERATIONAL_WEBHOOK_URL.*169\.254\.169\.254 is a link-local address; to allow/,
    );
    const allowed = { ...env, HOOKRELAY_ALLOW_PRIVATE_NETWORKS: "169.254.0.0/16" };
    expect(loadConfig(allowed).operationalWebhookUrl).toBe(env.HOOKRELAY_OPERATIONAL_WEBHOOK_URL);
  });

  test("keeps a good operational webhook URL", () => {
    const url = "https://alerts.example/hook";
    expect(loadConfig({ HOOKRELAY_OPERATIONAL_WEBHOOK_URL: url }).operationalWebhookUrl).toBe(url);
  });

  test("refuses an empty data directory instead of using the working directory", () => {
    expect(() => loadConfig({ HOOKRELAY_DATA_DIR: "" })).toThrow(
      /HOOKRELAY_DATA_DIR: must name a directory/,
    );
  });

  test("refuses a short API token", () => {
    expect(() => loadConfig({ HOOKRELAY_API_TOKEN: "short" })).toThrow(/HOOKRELAY_API_TOKEN/);
  });
});
