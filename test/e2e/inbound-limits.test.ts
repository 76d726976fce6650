/**
 * Ingest limits: the per-source body cap (declared Content-Length refused before the body is
 * read, chunked uploads cut off as they pass it), Content-Encoding (gzip and deflate decoded
 * within the cap, anything else 415, broken gzip 400), and nothing stored for any refusal.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { deflateSync, gzipSync } from "node:zlib";
import { verify as verifyGithub } from "@octokit/webhooks-methods";
import {
  chunk,
  countEvents,
  createPipe,
  expectProblem,
  expectServing,
  githubHeaders,
  ingest,
  ingestAccepted,
  type Pipe,
  rawExchange,
  rawPostHead,
  sha256Hex,
  waitForArrival,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const secret = "limits-github-secret";
const capBytes = 1024;

const { relay, receivers } = relayPerFile();
let capped: Pipe;
let open: Pipe;

beforeAll(async () => {
  capped = await createPipe(relay, receivers, {
    verifier: { scheme: "github", secrets: [secret] },
    maxBodyBytes: capBytes,
  });
  open = await createPipe(relay, receivers, { verifier: { scheme: "none" } });
});

const signature = (bytes: Uint8Array | string) =>
  `sha256=${createHmac("sha256", secret).update(bytes).digest("hex")}`;

function signedHeaders(body: Uint8Array | string, extra: Record<string, string> = {}) {
  return { ...githubHeaders("push", crypto.randomUUID(), signature(body)), ...extra };
}

const filled = (bytes: number, fill = 0x61) => new Uint8Array(bytes).fill(fill);

function streamOf(...parts: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}

/** Runs `refuse`, which must produce a refusal, and checks that no event was stored by it. */
async function expectNothingStored(refuse: () => Promise<void>): Promise<void> {
  const before = await countEvents(relay);
  await refuse();
  expect(await countEvents(relay)).toBe(before);
  await expectServing(relay);
}

describe("the body cap", () => {
  test("accepts a body of exactly the cap", async () => {
    const body = filled(capBytes);
    const { eventId } = await ingestAccepted(relay, capped.source.name, {
      body,
      headers: signedHeaders(body),
    });
    const arrived = await waitForArrival(capped.receiver, eventId);
    expect(sha256Hex(arrived.bodyBytes)).toBe(sha256Hex(body));
  }, 30_000);

  test("refuses a Content-Length one byte over the cap with 413", async () => {
    const body = filled(capBytes + 1);
    await expectNothingStored(async () => {
      const response = await ingest(relay, capped.source.name, {
        body,
        headers: signedHeaders(body),
      });
      const problem = await expectProblem(response, 413, "payload-too-large");
      expect(problem.detail).toContain(String(capBytes));
    });
  }, 30_000);

  test("answers 413 to a declared Content-Length before any of the body is sent", async () => {
    await expectNothingStored(async () => {
      const head = rawPostHead(relay.url, capped.source.name, [
        "content-type: application/json",
        `content-length: ${10 * 1024 * 1024}`,
      ]);
      const answer = await rawExchange(relay.url, head);
      expect(answer.status).toBe(413);
      expect(answer.headers["content-type"]).toStartWith("application/problem+json");
    });
  }, 30_000);

  test("refuses a chunked upload without Content-Length once it passes the cap", async () => {
    const body = filled(capBytes + 1);
    await expectNothingStored(async () => {
      const response = await ingest(relay, capped.source.name, {
        body: streamOf(body.subarray(0, 600), body.subarray(600)),
        headers: signedHeaders(body),
      });
      await expectProblem(response, 413, "payload-too-large");
    });
  }, 30_000);

  test("answers 413 mid-upload to a chunked body that never ends", async () => {
    await expectNothingStored(async () => {
      const head = rawPostHead(relay.url, capped.source.name, [
        "content-type: application/json",
        "transfer-encoding: chunked",
      ]);
      // No terminating zero-length chunk: the answer must come from the cap, not the end.
      const answer = await rawExchange(relay.url, head, [chunk(filled(700)), chunk(filled(700))]);
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({
        type: "urn:hookrelay:problem:payload-too-large",
      });
    });
  }, 30_000);

  test("accepts a chunked upload under the cap byte-exact", async () => {
    const body = new TextEncoder().encode('{"chunked":"yes, Zoë 🎉"}\n');
    const { eventId } = await ingestAccepted(relay, capped.source.name, {
      body: streamOf(body.subarray(0, 5), body.subarray(5)),
      headers: signedHeaders(body),
    });
    const arrived = await waitForArrival(capped.receiver, eventId);
    expect(sha256Hex(arrived.bodyBytes)).toBe(sha256Hex(body));
  }, 30_000);

  test("applies the default cap of 1 MiB", async () => {
    const mebibyte = 1024 * 1024;
    const exact = filled(mebibyte, 0x62);
    await ingestAccepted(relay, open.source.name, { body: exact });
    await expectNothingStored(async () => {
      const response = await ingest(relay, open.source.name, { body: filled(mebibyte + 1) });
      await expectProblem(response, 413, "payload-too-large");
    });
  }, 30_000);
});

describe("Content-Encoding", () => {
  test("decodes gzip, verifies the decoded bytes and forwards them decoded", async () => {
    const body = JSON.stringify({ action: "opened", note: "gzip ✓ ".repeat(50) });
    const sig = signature(body);
    const headers = {
      ...githubHeaders("issues", crypto.randomUUID(), sig),
      "content-encoding": "gzip",
    };
    const { eventId } = await ingestAccepted(relay, capped.source.name, {
      body: gzipSync(body),
      headers,
    });

    const arrived = await waitForArrival(capped.receiver, eventId);
    expect(arrived.headers["content-encoding"]).toBeUndefined();
    expect(sha256Hex(arrived.bodyBytes)).toBe(sha256Hex(body));
    expect(await verifyGithub(secret, arrived.body, sig)).toBe(true);
  }, 30_000);

  test("never forwards Content-Encoding for a decoded body, even when listed", async () => {
    const listed = await createPipe(relay, receivers, {
      verifier: { scheme: "github", secrets: [secret] },
      forwardHeaders: ["content-encoding"],
    });
    const body = '{"listed":"content-encoding"}';
    const { eventId } = await ingestAccepted(relay, listed.source.name, {
      body: gzipSync(body),
      headers: signedHeaders(body, { "content-encoding": "gzip" }),
    });

    const arrived = await waitForArrival(listed.receiver, eventId);
    expect(arrived.body).toBe(body);
    expect(arrived.headers["content-encoding"]).toBeUndefined();
  }, 30_000);

  test("decodes deflate", async () => {
    const body = '{"deflated":true}';
    const { eventId } = await ingestAccepted(relay, capped.source.name, {
      body: deflateSync(body),
      headers: signedHeaders(body, { "content-encoding": "deflate" }),
    });
    expect((await waitForArrival(capped.receiver, eventId)).body).toBe(body);
  }, 30_000);

  test("applies the cap to the decoded size of a small gzip body", async () => {
    const body = filled(100 * capBytes, 0x30);
    const compressed = gzipSync(body);
    expect(compressed.byteLength).toBeLessThan(capBytes);
    await expectNothingStored(async () => {
      const response = await ingest(relay, capped.source.name, {
        body: compressed,
        headers: signedHeaders(body, { "content-encoding": "gzip" }),
      });
      await expectProblem(response, 413, "payload-too-large");
    });
  }, 30_000);

  test("refuses a body that is not gzip with 400 invalid-content-encoding", async () => {
    const body = '{"not":"gzip"}';
    await expectNothingStored(async () => {
      const response = await ingest(relay, capped.source.name, {
        body,
        headers: signedHeaders(body, { "content-encoding": "gzip" }),
      });
      await expectProblem(response, 400, "invalid-content-encoding");
    });
  }, 30_000);

  test("refuses truncated gzip with 400 invalid-content-encoding", async () => {
    const body = JSON.stringify({ truncated: "x".repeat(400) });
    const cut = gzipSync(body).subarray(0, 20);
    await expectNothingStored(async () => {
      const response = await ingest(relay, capped.source.name, {
        body: cut,
        headers: signedHeaders(body, { "content-encoding": "gzip" }),
      });
      await expectProblem(response, 400, "invalid-content-encoding");
    });
  }, 30_000);

  for (const encoding of ["br", "zstd", "compress", "gzip, br"]) {
    test(`refuses Content-Encoding ${encoding} with 415 unsupported-content-encoding`, async () => {
      const body = '{"encoded":"maybe"}';
      await expectNothingStored(async () => {
        const response = await ingest(relay, capped.source.name, {
          body,
          headers: signedHeaders(body, { "content-encoding": encoding }),
        });
        const problem = await expectProblem(response, 415, "unsupported-content-encoding");
        expect({ ...problem }).toMatchObject({
          title: "The Content-Encoding is not supported",
          detail: `Content-Encoding ${JSON.stringify(encoding)} is not supported: it must be gzip, deflate or absent`,
          field: "header:Content-Encoding",
          errors: [
            { field: "header:Content-Encoding", message: "must be gzip, deflate or absent" },
          ],
        });
      });
    }, 30_000);
  }
});
