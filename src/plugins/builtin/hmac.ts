/**
 * A generic HMAC scheme for receivers with their own convention: one header carrying
 * `<prefix><digest>` (hex or base64) of the body, or of `${timestamp}.${body}` when a
 * timestamp header is named. The key is the secret string's UTF-8 bytes. During a rotation
 * the header carries one value per secret, comma-separated as an RFC 9110 §5.3 list, so a
 * receiver holding either secret can verify.
 */
import { definePlugin, fromHex, hmac, type Static, t, toBase64, toHex } from "../sdk.ts";
import { describeSharedSecretProblem, noUsableSecret, nonEmpty } from "./secrets.ts";
import {
  anySignatureMatches,
  checkTimestamp,
  decodeSignatureBase64,
  defaultToleranceSeconds,
  toleranceOption,
  reject,
  verified,
} from "./verify-result.ts";
import { isReservedHeader } from "../../delivery/reserved-headers.ts";

/** RFC 9110 §5.6.2 token: what a header name may be. */
const headerName = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";

const signingFields = {
  header: t.Optional(t.String({ pattern: headerName, default: "x-signature" })),
  algorithm: t.Optional(t.Union([t.Literal("sha256"), t.Literal("sha512")], { default: "sha256" })),
  encoding: t.Optional(t.Union([t.Literal("hex"), t.Literal("base64")], { default: "hex" })),
  // No commas or spaces: they separate the values of a rotation.
  prefix: t.Optional(t.String({ pattern: "^[^,\\s]*$", maxLength: 64, default: "" })),
  timestampHeader: t.Optional(t.String({ pattern: headerName })),
};

const signerOptions = t.Object(signingFields);
const verifierOptions = t.Object({
  ...signingFields,
  ...toleranceOption,
});

type SigningOptions = Static<typeof signerOptions>;

function resolve(options: SigningOptions) {
  return {
    header: (options.header ?? "x-signature").toLowerCase(),
    hash: options.algorithm === "sha512" ? ("SHA-512" as const) : ("SHA-256" as const),
    encoding: options.encoding ?? "hex",
    prefix: options.prefix ?? "",
    timestampHeader: options.timestampHeader?.toLowerCase(),
  };
}

function signedParts(timestamp: string | undefined, body: Uint8Array) {
  return timestamp === undefined ? [body] : [`${timestamp}.`, body];
}

export const hmacSigner = definePlugin({
  kind: "signer",
  name: "hmac",
  version: "1.0.0",
  description: "Generic HMAC-SHA256/512 of the body (optionally timestamped), hex or base64",
  options: signerOptions,
  // The relay drops a signer's header that it sets itself, which would leave the request
  // unsigned: such a name is refused when the endpoint is saved instead.
  checkOptions(options) {
    for (const name of [options.header, options.timestampHeader]) {
      if (name && isReservedHeader(name) && !name.toLowerCase().startsWith("webhook-")) {
        return `${name} is a header the relay sets itself; name another`;
      }
    }
    return undefined;
  },
  async sign({ timestampSeconds, body, secrets: configured, options }) {
    const secrets = nonEmpty(configured);
    if (secrets.length === 0) throw noUsableSecret("hmac");
    const o = resolve(options);
    const timestamp = o.timestampHeader ? String(timestampSeconds) : undefined;
    const macs = await Promise.all(
      secrets.map((secret) => hmac(o.hash, secret, ...signedParts(timestamp, body))),
    );
    const encode = o.encoding === "hex" ? toHex : toBase64;
    const headers = { [o.header]: macs.map((mac) => o.prefix + encode(mac)).join(", ") };
    if (o.timestampHeader && timestamp) headers[o.timestampHeader] = timestamp;
    return headers;
  },
  checkSecret: describeSharedSecretProblem,
});

function decodeValues(value: string, prefix: string, encoding: "hex" | "base64"): Uint8Array[] {
  const decoded: Uint8Array[] = [];
  for (const item of value.split(",")) {
    const text = item.trim();
    if (!text.startsWith(prefix)) continue;
    const digest = text.slice(prefix.length);
    const bytes = encoding === "hex" ? fromHex(digest) : decodeSignatureBase64(digest);
    if (bytes && bytes.length > 0) decoded.push(bytes);
  }
  return decoded;
}

export const hmacVerifier = definePlugin({
  kind: "verifier",
  name: "hmac",
  version: "1.0.0",
  description: "Generic HMAC-SHA256/512 of the body (optionally timestamped), hex or base64",
  options: verifierOptions,
  async verify({ body, headers, secrets: configured, options, now }) {
    const secrets = nonEmpty(configured);
    const o = resolve(options);
    const value = headers[o.header];
    if (!value) return reject("missing_signature", `no ${o.header} header`);
    if (secrets.length === 0) return reject("missing_secret");
    let timestamp: string | undefined;
    if (o.timestampHeader) {
      timestamp = headers[o.timestampHeader];
      const tolerance = options.toleranceSeconds ?? defaultToleranceSeconds;
      const checked = checkTimestamp(timestamp, now, tolerance);
      if (typeof checked !== "number") return checked;
    }
    const received = decodeValues(value, o.prefix, o.encoding);
    if (received.length === 0)
      return reject("malformed_signature", `not ${o.prefix}<${o.encoding}>`);
    const expected = await Promise.all(
      secrets.map((secret) => hmac(o.hash, secret, ...signedParts(timestamp, body))),
    );
    return anySignatureMatches(received, expected) ? verified : reject("bad_signature");
  },
});
