/**
 * The systemd unit: it passes `systemd-analyze verify` with nothing on stderr (the tool
 * exits 0 on unknown keys, so stderr is what counts), its stop timeout outlasts the drain
 * grace, and `install-service --write` lays down the unit, a config and an env file.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderServiceUnit } from "../../src/cli/service-unit.ts";
import { loadConfig } from "../../src/config/config.ts";
import { runCli, slow, useTempDir } from "./ops-support.ts";

const analyze = Bun.which("systemd-analyze");

describe("hookrelay.service", () => {
  test.skipIf(!analyze)(
    "passes systemd-analyze verify without a warning",
    async () => {
      using dir = useTempDir();
      const unit = join(dir.path, "hookrelay.service");
      const binary = process.execPath;
      writeFileSync(
        unit,
        renderServiceUnit({
          binary,
          configPath: "/etc/hookrelay/hookrelay.toml",
          environmentFile: "/etc/hookrelay/hookrelay.env",
          stopTimeoutSeconds: 30,
        }),
      );
      const child = Bun.spawn([analyze as string, "verify", unit], {
        stderr: "pipe",
        stdout: "pipe",
      });
      const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    },
    slow,
  );

  test("is hardened as the operations guide says", () => {
    const unit = renderServiceUnit({
      binary: "/usr/local/bin/hookrelay",
      configPath: "/etc/hookrelay/hookrelay.toml",
      environmentFile: "/etc/hookrelay/hookrelay.env",
      stopTimeoutSeconds: 30,
    });
    for (const line of [
      "Type=notify",
      "DynamicUser=yes",
      "StateDirectory=hookrelay",
      "ProtectSystem=strict",
      "NoNewPrivileges=yes",
      "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
      "LimitNOFILE=65536",
      "Restart=on-failure",
      "TimeoutStopSec=30s",
      "ExecReload=/bin/kill -HUP $MAINPID",
      "ExecStart=/usr/local/bin/hookrelay serve --config /etc/hookrelay/hookrelay.toml",
      "Environment=BUN_JSC_forceRAMSize=536870912",
    ]) {
      expect(unit.split("\n")).toContain(line);
    }
  });

  test(
    "install-service --write installs the unit, a config and an env file",
    async () => {
      using dir = useTempDir();
      const unitFile = join(dir.path, "systemd", "hookrelay.service");
      const configPath = join(dir.path, "etc", "hookrelay.toml");
      const args = ["install-service", "--write", "--unit-file", unitFile, "--config", configPath];
      const first = await runCli([...args, "--binary", "/opt/hookrelay/bin/hookrelay"]);
      expect(first.code).toBe(0);
      const unit = readFileSync(unitFile, "utf8");
      expect(unit).toContain(`ExecStart=/opt/hookrelay/bin/hookrelay serve --config ${configPath}`);
      expect(unit).toContain(`EnvironmentFile=-${join(dir.path, "etc", "hookrelay.env")}`);
      expect(loadConfig({}, { config: configPath }).port).toBe(8080);
      const envFile = join(dir.path, "etc", "hookrelay.env");
      expect(readFileSync(envFile, "utf8")).toMatch(/^HOOKRELAY_API_TOKEN=hr_[\w-]{43}\n$/);
      expect(statSync(envFile).mode & 0o777).toBe(0o600);

      // A second run keeps the operator's files and only rewrites the unit.
      writeFileSync(configPath, '[server]\nshutdown_grace = "45s"\n');
      const token = readFileSync(envFile, "utf8");
      const second = await runCli(args);
      expect(second.stdout).toContain(`kept ${configPath}`);
      expect(readFileSync(envFile, "utf8")).toBe(token);
      expect(readFileSync(unitFile, "utf8")).toContain("TimeoutStopSec=65s");
    },
    slow,
  );
});
