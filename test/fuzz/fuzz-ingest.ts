/**
 * Requests for the public ingest route, POST /in/:name: raw bytes (random, JSON, invalid
 * UTF-8, deeply nested, over the source's limit), compressed or not (gzip bombs among
 * them), with a good, missing or wrong HMAC signature, to the fuzz's sources and to names
 * that do not exist, with random query strings and headers.
 */
import { createHmac } from "node:crypto";
import { deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { contentType, extraHeaders, jsonValue, pathId, queryString } from "./fuzz-arbitraries.ts";
import type { FuzzRequest } from "./fuzz-routes.ts";

export interface IngestTargets {
  noneSource: string;
  hmacSource: string;
  hmacSecret: string;
}

const maxIngestBytes = 1024 * 1024;

const rawBody = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.json({ maxDepth: 4 }).map((text) => Buffer.from(text)),
  fc
    .record({ type: fc.oneof(fc.string(), jsonValue), data: jsonValue })
    .map((v) => Buffer.from(JSON.stringify(v))),
  fc
    .tuple(fc.string({ maxLength: 20 }), fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80]))
    .map(([s, bad]) =>
      Buffer.concat([Buffer.from(`{"type":"${s}`), Buffer.from(bad), Buffer.from('"}')]),
    ),
  fc.constantFrom(1_000, 100_000).map((d) => Buffer.from("[".repeat(d) + "]".repeat(d))),
  fc.constant(Buffer.alloc(maxIngestBytes + 1, 0x7b)),
);

type Encoding = "none" | "gzip" | "deflate" | "gzip garbage" | "gzip bomb" | string;

const encoding: fc.Arbitrary<Encoding> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("none") },
  { weight: 2, arbitrary: fc.constant("gzip") },
  { weight: 1, arbitrary: fc.constantFrom("deflate", "gzip garbage", "gzip bomb") },
  { weight: 1, arbitrary: fc.constantFrom("br", "identity", "GZIP", "gzip, gzip", "x") },
);

type SignatureForm = "valid" | "missing" | "garbage" | "other body" | "upper" | "prefixed";

const signatureForm = fc.oneof(
  { weight: 4, arbitrary: fc.constant<SignatureForm>("valid") },
  { weight: 1, arbitrary: fc.constantFrom<SignatureForm>("missing", "garbage", "other body") },
  { weight: 1, arbitrary: fc.constantFrom<SignatureForm>("upper", "prefixed") },
);

function encodeBody(
  body: Uint8Array,
  how: Encoding,
): { sent: Uint8Array; signed: Uint8Array; header?: string } {
  if (how === "none") return { sent: body, signed: body };
  if (how === "gzip") return { sent: gzipSync(body), signed: body, header: "gzip" };
  if (how === "deflate") return { sent: deflateSync(body), signed: body, header: "deflate" };
  if (how === "gzip garbage") return { sent: body, signed: body, header: "gzip" };
  if (how === "gzip bomb") {
    const inflated = Buffer.alloc(2 * maxIngestBytes);
    return { sent: gzipSync(inflated), signed: inflated, header: "gzip" };
  }
  return { sent: body, signed: body, header: how };
}

function signatureFor(secret: string, signed: Uint8Array, form: SignatureForm) {
  const mac = (bytes: Uint8Array) => createHmac("sha256", secret).update(bytes).digest("hex");
  if (form === "missing") return undefined;
  if (form === "garbage") return "zz-not-hex";
  if (form === "other body") return mac(Buffer.from("another body"));
  if (form === "upper") return mac(signed).toUpperCase();
  if (form === "prefixed") return `sha256=${mac(signed)}`;
  return mac(signed);
}

/** POST /in/:name with raw bytes: signed or not, compressed or not, to real and unknown names. */
export function ingestRequests(targets: IngestTargets): fc.Arbitrary<FuzzRequest> {
  const name = fc.oneof(
    { weight: 4, arbitrary: fc.constant(targets.noneSource) },
    { weight: 4, arbitrary: fc.constant(targets.hmacSource) },
    { weight: 1, arbitrary: pathId([]) },
  );
  return fc
    .tuple(name, rawBody, encoding, signatureForm, contentType, queryString([]), extraHeaders)
    .map(([source, body, how, form, type, query, extra]) => {
      const { sent, signed, header } = encodeBody(body, how);
      return {
        kind: "ingest" as const,
        method: "POST",
        path: `/in/${source}${query}`,
        body: { form: `${how} body, ${form} signature`, bytes: sent },
        headers: {
          ...extra,
          "content-type": type,
          "content-encoding": header,
          "x-signature": signatureFor(targets.hmacSecret, signed, form),
        },
      };
    });
}
