/**
 * The plugin SDK, importable from a plugin file as `hookrelay/plugin`. A plugin is one
 * TypeScript or JavaScript file whose default export is `definePlugin({...})`. Plugins use
 * Web-standard APIs only (crypto.subtle, TextEncoder, URL, Request), so the same file runs
 * under Bun, the compiled binary and Deno. The host also provides `jose` to plugins.
 *
 * Three kinds:
 * - signer: outbound, adds signature headers for the exact body bytes;
 * - verifier: inbound, checks a provider's signature on the raw request bytes;
 * - transform: rewrites an event's body for one endpoint, or skips the delivery.
 */
import { type Static, type TObject, Type } from "@sinclair/typebox";
import { type HmacHash, importHmacKey } from "./hmac-keys.ts";

/** JSON-schema builder for a plugin's options (TypeBox). `t.Object({...})` and so on. */
export const t = Type;
export type { Static, TObject };

export type PluginKind = "signer" | "verifier" | "transform";

/** A public JSON Web Key (RFC 7517) as published in a JWKS document. */
export interface PublicJwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

interface PluginBase<Kind extends PluginKind, Options extends TObject> {
  kind: Kind;
  /** Unique among loaded plugins; endpoints and sources name the plugin by it. */
  name: string;
  /** Semver of the plugin itself, e.g. "1.0.0". */
  version: string;
  description?: string;
  /** Schema of the options an endpoint or source passes; checked when they are saved. */
  options?: Options;
  /**
   * What the schema cannot say (an expression that does not compile, say): why `options` are
   * unusable, or undefined when they are fine. Called after the schema check, when saved.
   */
  checkOptions?(options: Static<Options>): string | undefined;
}

export interface SignInput<Options> {
  /** The event id, sent as the delivery id header where the scheme has one. */
  eventId: string;
  /** Seconds since the epoch, of this attempt. */
  timestampSeconds: number;
  /** Exactly the bytes that will be sent. */
  body: Uint8Array;
  /** Every secret that should sign, newest first; two during a rotation overlap. */
  secrets: string[];
  options: Options;
}

export interface SignerPlugin<Options extends TObject = TObject>
  extends PluginBase<"signer", Options> {
  /** Headers to add to the request. */
  sign(input: SignInput<Static<Options>>): Record<string, string> | Promise<Record<string, string>>;
  /**
   * A new secret in this scheme's format (default: `whsec_` + 32 random bytes). `options` are
   * the endpoint's, for schemes whose key type depends on them (jws with ES256 or EdDSA).
   */
  generateSecret?(options?: Static<Options>): string;
  /** Why `secret` is unusable for this scheme (and these options), or undefined when fine. */
  checkSecret?(secret: string, options?: Static<Options>): string | undefined;
  /**
   * For asymmetric schemes: what a receiver needs to verify, derived from the secret. `text`
   * is shown by the API (e.g. a `whpk_` key); `jwk` is published in the relay's JWKS.
   */
  publicKey?(secret: string): Promise<{ text?: string; jwk?: PublicJwk }>;
}

export interface VerifyInput<Options> {
  /** The raw request body, before any parsing. */
  body: Uint8Array;
  /** Request headers, names lower-cased. */
  headers: Record<string, string>;
  /** The full request URL (for schemes that put a token in the query). */
  url: string;
  /** Every secret currently accepted for this source. */
  secrets: string[];
  options: Options;
  /** Milliseconds since the epoch, for timestamp tolerance checks. */
  now: number;
}

/** Why a request failed verification; stable values, logged and counted. */
export type VerifyFailure =
  | "missing_signature"
  | "malformed_signature"
  | "bad_signature"
  | "stale_timestamp"
  | "missing_secret";

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure; detail?: string };

/** What a provider says about a request, for routing and dedupe. */
export interface ProviderFacts {
  /** The provider's event type (`X-GitHub-Event`, Stripe's `type`, …). */
  eventType?: string;
  /** The provider's delivery id (`X-GitHub-Delivery`, `webhook-id`, …), to dedupe on. */
  deliveryId?: string;
}

/**
 * The answer to a provider's set-up request. `status` is a 2xx (200 when absent); `body` is
 * sent as is, with `contentType` (text/plain when absent).
 */
export interface HandshakeAnswer {
  status?: number;
  body: string;
  contentType?: string;
}

export interface VerifierPlugin<Options extends TObject = TObject>
  extends PluginBase<"verifier", Options> {
  verify(input: VerifyInput<Static<Options>>): VerifyResult | Promise<VerifyResult>;
  /**
   * Some providers check a new URL with a request that wants a computed answer, not a stored
   * event (Slack's `url_verification` challenge, Twitch's callback verification). Called on
   * a verified request before it is stored: an answer is sent and nothing is stored;
   * `undefined` means an ordinary event.
   */
  handshake?(
    input: VerifyInput<Static<Options>>,
  ): HandshakeAnswer | undefined | Promise<HandshakeAnswer | undefined>;
  /** Why a source secret is unusable for this scheme, checked when the source is saved. */
  checkSecret?(secret: string, options?: Static<Options>): string | undefined;
  /** Reads the provider's event type and delivery id from a verified request. */
  describe?(input: Omit<VerifyInput<Static<Options>>, "secrets">): ProviderFacts;
}

export interface TransformInput<Options> {
  event: {
    id: string;
    type: string;
    /** ISO 8601. */
    createdAt: string;
    /** The published payload (outbound) or the parsed JSON body (inbound), if it is JSON. */
    payload: unknown;
    /** The stored body bytes. */
    body: Uint8Array;
    contentType: string;
  };
  endpoint: { id: string; url: string };
  options: Options;
}

export type TransformResult =
  | {
      /** A string is sent as UTF-8; an object or array as JSON. */
      body: Uint8Array | string | Record<string, unknown> | unknown[];
      contentType?: string;
      headers?: Record<string, string>;
    }
  | { skip: true; reason?: string };

export interface TransformPlugin<Options extends TObject = TObject>
  extends PluginBase<"transform", Options> {
  transform(input: TransformInput<Static<Options>>): TransformResult | Promise<TransformResult>;
}

export type Plugin = SignerPlugin | VerifierPlugin | TransformPlugin;

/** Identity at run time; gives the plugin literal its types. */
export function definePlugin<Options extends TObject, P extends SignerPlugin<Options>>(
  plugin: P & SignerPlugin<Options>,
): P;
export function definePlugin<Options extends TObject, P extends VerifierPlugin<Options>>(
  plugin: P & VerifierPlugin<Options>,
): P;
export function definePlugin<Options extends TObject, P extends TransformPlugin<Options>>(
  plugin: P & TransformPlugin<Options>,
): P;
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

/**
 * Compares two byte strings in time that does not depend on where they differ. Lengths are
 * not secret (a signature's length is public), so a length mismatch returns at once.
 */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

const encoder = new TextEncoder();

/** HMAC of `parts` joined, with Web Crypto, so plugins stay portable. */
export async function hmac(
  algorithm: HmacHash,
  key: Uint8Array | string,
  ...parts: (Uint8Array | string)[]
): Promise<Uint8Array> {
  const cryptoKey = await importHmacKey(
    algorithm,
    typeof key === "string" ? encoder.encode(key) : key,
  );
  const data = concatBytes(parts.map((p) => (typeof p === "string" ? encoder.encode(p) : p)));
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, data));
}

export function concatBytes(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return undefined;
  return Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}
