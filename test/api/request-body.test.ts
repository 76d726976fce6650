import { describe, expect, test } from "bun:test";
import { HookrelayError } from "../../src/errors/hookrelay-error.ts";
import { readJsonBody } from "../../src/api/request-body.ts";

function post(
  body: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>,
  headers: Record<string, string>,
): Request {
  return new Request("http://relay.test/v1/events", { method: "POST", body, headers });
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof HookrelayError ? error.code : "not a HookrelayError";
  }
}

describe("readJsonBody", () => {
  test("reads a body with a Content-Length", async () => {
    const body = '{"type":"a.b","payload":{"n":1}}';
    const request = post(body, {
      "content-type": "application/json",
      "content-length": String(body.length),
    });
    expect(await readJsonBody(request, 1024)).toEqual({ type: "a.b", payload: { n: 1 } });
  });

  test("caps a body longer than its Content-Length claims", async () => {
    const request = post(`{"pad":"${"x".repeat(2048)}"}`, {
      "content-type": "application/json",
      "content-length": "10",
    });
    expect(await codeOf(readJsonBody(request, 1024))).toBe("ERR_PAYLOAD_TOO_LARGE");
  });

  test("caps a streamed body without Content-Length while it arrives", async () => {
    const chunk = new TextEncoder().encode("x".repeat(512));
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(chunk);
      },
    });
    const request = post(stream, { "content-type": "application/json" });
    expect(await codeOf(readJsonBody(request, 1024))).toBe("ERR_PAYLOAD_TOO_LARGE");
    expect(pulls).toBeLessThan(10);
  });

  test("answers an empty body with an empty object", async () => {
    expect(await readJsonBody(post("", { "content-length": "0" }), 1024)).toEqual({});
  });

  test("still refuses invalid UTF-8 after an earlier refusal", async () => {
    for (let i = 0; i < 2; i++) {
      const request = post(new Uint8Array([0x7b, 0xff, 0x7d]), {
        "content-type": "application/json",
      });
      expect(await codeOf(readJsonBody(request, 1024))).toBe("ERR_MALFORMED_JSON");
    }
  });
});
