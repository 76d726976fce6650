/**
 * The admin API token: from the configuration, or generated on first start and kept in the
 * data directory with mode 0600. The log says where it is, never what it is.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../observability/logger.ts";

export function resolveApiToken(
  configured: string | undefined,
  dataDir: string,
  log: Logger,
): string {
  if (configured) return configured;
  const path = join(dataDir, "api-token");
  if (existsSync(path)) {
    log.info({ path }, "using the API token stored in the data directory");
    return readFileSync(path, "utf8").trim();
  }
  mkdirSync(dataDir, { recursive: true });
  const token = `hr_${randomBytes(24).toString("base64url")}`;
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  log.info({ path }, "generated an API token; read it from this file");
  return token;
}
