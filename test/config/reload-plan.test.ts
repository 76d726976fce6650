import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/config.ts";
import { mergeReload, planReload } from "../../src/config/reload-plan.ts";

describe("a SIGHUP reload", () => {
  test("applies limits, log level and retention, and leaves the listener for a restart", () => {
    const current = loadConfig({ HOOKRELAY_PORT: "8080" });
    const next = loadConfig({
      HOOKRELAY_PORT: "9090",
      HOOKRELAY_LOG_LEVEL: "debug",
      HOOKRELAY_CONCURRENCY: "8",
      HOOKRELAY_ATTEMPT_TIMEOUT: "3s",
      HOOKRELAY_RETENTION_DEAD: "7d",
      HOOKRELAY_PLUGINS_DIR: "/elsewhere",
    });
    expect(planReload(current, next)).toEqual({
      applied: ["log.level", "delivery.attempt_timeout", "delivery.concurrency", "retention.dead"],
      needRestart: ["server.port", "plugins.dir"],
    });
    const merged = mergeReload(current, next);
    expect({
      port: merged.port,
      pluginsDir: merged.pluginsDir,
      logLevel: merged.logLevel,
      concurrency: merged.concurrency,
      attemptTimeoutMs: merged.attemptTimeoutMs,
      retentionDeadMs: merged.retentionDeadMs,
    }).toEqual({
      port: 8080,
      pluginsDir: current.pluginsDir,
      logLevel: "debug",
      concurrency: 8,
      attemptTimeoutMs: 3_000,
      retentionDeadMs: 7 * 86_400_000,
    });
    expect(Object.isFrozen(merged)).toBe(true);
  });

  test("has nothing to say when nothing changed", () => {
    expect(planReload(loadConfig({}), loadConfig({}))).toEqual({ applied: [], needRestart: [] });
  });
});
