import { describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import { loadConfig } from "../../src/config/config.ts";
import { describeConfig, redactSecretText } from "../../src/config/redact.ts";
import { createLogger } from "../../src/observability/logger.ts";

describe("redaction", () => {
  test("hides secret settings in the effective configuration", () => {
    const config = loadConfig({
      HOOKRELAY_API_TOKEN: "hr_bootstrap-token-0123456789",
      HOOKRELAY_JWT_SECRET: "an-hs256-secret-that-is-32-chars!",
      HOOKRELAY_DATABASE_URL: "libsql://db.example.com?authToken=eyJsecret",
    });
    const described = describeConfig(config);
    expect(described).toMatchObject({
      apiToken: "[redacted]",
      jwtSecret: "[redacted]",
      databaseUrl: "libsql://db.example.com?authToken=[redacted]",
      port: 8080,
    });
    expect(JSON.stringify(described)).not.toContain("bootstrap-token");
  });

  test("recognises secrets by their shape inside any text", () => {
    expect(
      redactSecretText("sent with whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw and hr_abcdefgh12345"),
    ).toBe("sent with [redacted] and [redacted]");
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6InJlYWQifQ.c2lnbmF0dXJl";
    expect(redactSecretText(`token ${jwt}`)).toBe("token [redacted]");
    expect(redactSecretText("evt_01J8 and ep_01J9 stay")).toBe("evt_01J8 and ep_01J9 stay");
  });

  test("keeps secrets out of log lines whatever the field is called", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger("info", sink);
    log.info(
      { key: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", nested: { t: "hr_abcdefgh12345" } },
      "oops",
    );
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      key: "[redacted]",
      nested: { t: "[redacted]" },
      msg: "oops",
    });
  });
});
