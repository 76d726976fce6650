import { describe, expect, test } from "bun:test";
import { classifyOutcome } from "../../src/delivery/classify-outcome.ts";

const retryAll = { retryClientErrors: true, retryAfterMs: undefined };
const strict4xx = { retryClientErrors: false, retryAfterMs: undefined };

describe("classifyOutcome", () => {
  test("counts every 2xx as success", () => {
    for (const statusCode of [200, 201, 202, 204, 299]) {
      expect(classifyOutcome({ statusCode, error: null }, retryAll)).toEqual({ kind: "succeeded" });
    }
  });

  test("stops and disables the endpoint on 410 Gone", () => {
    expect(classifyOutcome({ statusCode: 410, error: null }, retryAll)).toEqual({
      kind: "dead",
      disableEndpoint: true,
    });
  });

  test("retries redirects, transient statuses and network errors", () => {
    for (const statusCode of [301, 302, 307, 408, 425, 429, 500, 502, 503]) {
      expect(classifyOutcome({ statusCode, error: null }, strict4xx).kind).toBe("retry");
    }
    expect(classifyOutcome({ statusCode: null, error: "timeout" }, strict4xx).kind).toBe("retry");
  });

  test("retries other 4xx only when configured to", () => {
    expect(classifyOutcome({ statusCode: 400, error: null }, retryAll).kind).toBe("retry");
    expect(classifyOutcome({ statusCode: 400, error: null }, strict4xx)).toEqual({
      kind: "dead",
      disableEndpoint: false,
    });
  });

  test("passes Retry-After through on a retry", () => {
    const outcome = classifyOutcome(
      { statusCode: 429, error: null },
      { retryClientErrors: true, retryAfterMs: 5_000 },
    );
    expect(outcome).toEqual({ kind: "retry", retryAfterMs: 5_000 });
  });
});
