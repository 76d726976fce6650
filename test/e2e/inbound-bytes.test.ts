/**
 * Byte-exact passthrough: whatever bytes a provider signed arrive at the destination
 * unchanged, with the original content type, so the provider's signature still verifies. A
 * relay that parses and re-serialises JSON breaks exactly these bodies: emoji and other
 * non-ASCII text, `\/`, U+2028, CRLF line endings, a trailing newline, big numbers, duplicate
 * keys, a BOM, form encoding, XML, binary, nothing at all, and 600 KiB.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { verify as verifyGithub } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import {
  createPipe,
  githubHeaders,
  type InboundEvent,
  ingestAccepted,
  newWhsec,
  type Pipe,
  sha256Hex,
  waitForArrival,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const secret = "byte-exact-github-secret";
const encoder = new TextEncoder();

const { relay, receivers } = relayPerFile();
let pipe: Pipe;

beforeAll(async () => {
  pipe = await createPipe(relay, receivers, { verifier: { scheme: "github", secrets: [secret] } });
});

/** X-Hub-Signature-256 over raw bytes; octokit's sign() only takes non-empty strings. */
const githubSignature = (bytes: Uint8Array) =>
  `sha256=${createHmac("sha256", secret).update(bytes).digest("hex")}`;

/** Deterministic filler of mixed-width UTF-8 text, so a 600 KiB body is not all one byte. */
function mixedText(bytes: number): string {
  const words = ["hookrelay", "Zoë", "日本語", "🎉", "naïve", "\\/", "\u2028", "ß", "\t"];
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const word = `${words[i % words.length]} `;
    parts.push(word);
    size += encoder.encode(word).byteLength;
  }
  return parts.join("");
}

interface BodyCase {
  name: string;
  body: Uint8Array;
  contentType: string;
}

const text = (name: string, body: string, contentType = "application/json"): BodyCase => ({
  name,
  body: encoder.encode(body),
  contentType,
});

const crlfJson = ["{", '  "action": "opened",', '  "note": "line one"', "}", ""].join("\r\n");
const binary = new Uint8Array(4096).map((_, i) => (i * 131 + 7) % 256);

const cases: BodyCase[] = [
  text("emoji and other non-ASCII text", '{"text":"Zoë paid 🎉 — 日本語, naïve café ½"}'),
  text("escaped slashes", '{"url":"https:\\/\\/github.com\\/octo\\/hello","path":"a\\/b"}'),
  text("an escaped and a raw U+2028", '{"escaped":"a\\u2028b","raw":"a\u2028b\u2029c"}'),
  text("CRLF line endings and a trailing newline", crlfJson),
  text("numbers JSON.parse would round", '{"id":820982911946154508,"x":1.10,"y":-0.0,"z":1e400}'),
  text("duplicate keys", '{"a":1,"a":2}'),
  text("a byte order mark", '\uFEFF{"bom":true}'),
  text("insignificant whitespace", ' \n\t{ "spaced" :  [ 1 ,2 ] }\n\n'),
  text(
    "a form-encoded GitHub delivery",
    `payload=${encodeURIComponent('{"action":"opened","issue":{"title":"Zoë\'s bug"}}')}`,
    "application/x-www-form-urlencoded",
  ),
  text("XML", '<?xml version="1.0"?>\r\n<event type="ping">ö</event>\n', "application/xml"),
  { name: "binary", body: binary, contentType: "application/octet-stream" },
  {
    name: "invalid UTF-8 labelled JSON",
    body: Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d),
    contentType: "application/json",
  },
  { name: "an empty body", body: new Uint8Array(), contentType: "application/json" },
  text("600 KiB", JSON.stringify({ blob: mixedText(600 * 1024) })),
];

describe("byte-exact passthrough", () => {
  for (const { name, body, contentType } of cases) {
    test(`forwards ${name} byte-identical with its content type`, async () => {
      const signature = githubSignature(body);
      const headers = githubHeaders("issues", crypto.randomUUID(), signature, contentType);
      const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers });

      const arrived = await waitForArrival(pipe.receiver, eventId);
      expect(arrived.bodyBytes.byteLength).toBe(body.byteLength);
      expect(sha256Hex(arrived.bodyBytes)).toBe(sha256Hex(body));
      expect(arrived.headers["content-type"]).toBe(contentType);
      expect(arrived.headers["x-hub-signature-256"]).toBe(signature);
      expect(githubSignature(arrived.bodyBytes)).toBe(signature);
      expect(() =>
        new Webhook(pipe.destinationSecret).verify(arrived.bodyBytes, arrived.headers, {
          jsonParse: false,
        }),
      ).not.toThrow();
    }, 30_000);
  }

  test("keeps the bytes that octokit verifies for a 600 KiB string body", async () => {
    const body = JSON.stringify({ blob: mixedText(600 * 1024) });
    expect(encoder.encode(body).byteLength).toBeGreaterThan(600 * 1024);
    const signature = githubSignature(encoder.encode(body));
    const headers = githubHeaders("push", crypto.randomUUID(), signature);
    const { eventId } = await ingestAccepted(relay, pipe.source.name, { body, headers });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(await verifyGithub(secret, arrived.body, signature)).toBe(true);
  }, 30_000);

  test("forwards an empty Standard Webhooks body whose original signature verifies", async () => {
    const senderSecret = newWhsec();
    const sw = await createPipe(relay, receivers, {
      verifier: { scheme: "standard-webhooks", secrets: [senderSecret] },
    });
    const msgId = `msg_${crypto.randomUUID()}`;
    const sent = new Date();
    const headers = {
      "content-type": "text/plain",
      "webhook-id": msgId,
      "webhook-timestamp": String(Math.floor(sent.getTime() / 1000)),
      "webhook-signature": new Webhook(senderSecret).sign(msgId, sent, ""),
    };
    const { eventId } = await ingestAccepted(relay, sw.source.name, { body: "", headers });

    const arrived = await waitForArrival(sw.receiver, eventId);
    expect(arrived.bodyBytes.byteLength).toBe(0);
    expect(arrived.headers["content-type"]).toBe("text/plain");
    const original = {
      "webhook-id": arrived.headers["x-original-webhook-id"] ?? "",
      "webhook-timestamp": arrived.headers["x-original-webhook-timestamp"] ?? "",
      "webhook-signature": arrived.headers["x-original-webhook-signature"] ?? "",
    };
    expect(() =>
      new Webhook(senderSecret).verify("", original, { jsonParse: false }),
    ).not.toThrow();
  }, 30_000);

  test("labels a body sent without a content type application/octet-stream", async () => {
    const body = encoder.encode("no content type at all");
    const headers: Record<string, string> = githubHeaders(
      "ping",
      crypto.randomUUID(),
      githubSignature(body),
    );
    delete headers["content-type"];
    const { eventId } = await ingestAccepted(relay, pipe.source.name, {
      body: new Blob([body]).stream(),
      headers,
    });

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(arrived.headers["content-type"]).toBe("application/octet-stream");
    expect(sha256Hex(arrived.bodyBytes)).toBe(sha256Hex(body));
  }, 30_000);

  test("lists non-JSON bodies with a null payload and JSON ones parsed", async () => {
    const xml = encoder.encode("<ping/>");
    const json = encoder.encode('{"parsed":["yes"]}');
    const send = async (body: Uint8Array, contentType: string) => {
      const headers = githubHeaders(
        "ping",
        crypto.randomUUID(),
        githubSignature(body),
        contentType,
      );
      return (await ingestAccepted(relay, pipe.source.name, { body, headers })).eventId;
    };
    const xmlId = await send(xml, "application/xml");
    const jsonId = await send(json, "application/json; charset=utf-8");

    const xmlEvent: InboundEvent = await relay.json(`/v1/events/${xmlId}`);
    const jsonEvent: InboundEvent = await relay.json(`/v1/events/${jsonId}`);
    expect(xmlEvent).toMatchObject({ contentType: "application/xml", payload: null });
    expect(jsonEvent).toMatchObject({
      contentType: "application/json; charset=utf-8",
      payload: { parsed: ["yes"] },
      sourceId: pipe.source.id,
    });
  }, 30_000);
});
