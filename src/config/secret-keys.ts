/**
 * Keys that encrypt endpoint and source secrets at rest: from HOOKRELAY_SECRET_KEYS (comma-
 * separated, newest first) or a key file (one key per line, newest first). Each key is
 * base64 of 32 random bytes (`openssl rand -base64 32`).
 */
import { readFileSync } from "node:fs";

export function readSecretKeys(
  fromSetting: string[],
  keyFile: string | undefined,
  problems: string[],
): string[] {
  let keys = fromSetting;
  if (keyFile) {
    try {
      const lines = readFileSync(keyFile, "utf8").split("\n");
      keys = [
        ...keys,
        ...lines.map((line) => line.trim()).filter((line) => line && !line.startsWith("#")),
      ];
    } catch (error) {
      problems.push(
        `HOOKRELAY_SECRET_KEY_FILE: cannot read ${keyFile}: ${(error as Error).message}`,
      );
    }
  }
  keys.forEach((key, i) => {
    if (Buffer.from(key, "base64").length !== 32 || !/^[A-Za-z0-9+/]{43}=$/.test(key)) {
      problems.push(`secret key ${i + 1}: expected base64 of 32 bytes (openssl rand -base64 32)`);
    }
  });
  return keys;
}
