/**
 * The signing schemes the conformance suite runs against: each built-in signer paired with
 * the verifier of the same name, in the option variants worth covering. Shopify and Slack
 * have verifiers only; their cases sign with node:crypto as those providers document.
 */
import { createHmac } from "node:crypto";
import { Value } from "@sinclair/typebox/value";
import { githubSigner, githubVerifier } from "../../src/plugins/builtin/github.ts";
import { hmacSigner, hmacVerifier } from "../../src/plugins/builtin/hmac.ts";
import { jwsSigner, jwsVerifier } from "../../src/plugins/builtin/jws.ts";
import { shopifyVerifier } from "../../src/plugins/builtin/shopify.ts";
import { slackVerifier } from "../../src/plugins/builtin/slack.ts";
import {
  standardWebhooksEd25519Signer,
  standardWebhooksEd25519Verifier,
} from "../../src/plugins/builtin/standard-webhooks-ed25519.ts";
import {
  standardWebhooksSigner,
  standardWebhooksVerifier,
} from "../../src/plugins/builtin/standard-webhooks.ts";
import { stripeSigner, stripeVerifier } from "../../src/plugins/builtin/stripe.ts";
import type { Plugin, SignerPlugin, VerifierPlugin, VerifyResult } from "../../src/plugins/sdk.ts";

export interface KeyPair {
  /** What the signer holds. */
  signing: string;
  /** What the verifier holds: the same secret, or the public key of an asymmetric scheme. */
  verifying: string;
}

export interface SignRequest {
  eventId: string;
  timestampSeconds: number;
  body: Uint8Array;
  /** Newest first. */
  keys: KeyPair[];
}

export interface SchemeCase {
  label: string;
  verifier: VerifierPlugin;
  newKeyPair(): Promise<KeyPair>;
  /** Headers with lower-cased names, as the verifier receives them. */
  sign(request: SignRequest): Promise<Record<string, string>>;
  verify(
    body: Uint8Array,
    headers: Record<string, string>,
    secrets: string[],
    nowMs: number,
  ): Promise<VerifyResult>;
  signatureHeader: string;
  /** The header carrying the event id, when the signature covers it. */
  idHeader?: string;
  /** Rewrites the signed timestamp, when the signature covers one. */
  withTimestamp?(headers: Record<string, string>, timestamp: string): Record<string, string>;
  /** GitHub sends one signature: rotation cannot overlap, the newest secret signs. */
  signsWithNewestOnly?: boolean;
}

/** Options with the schema's defaults filled in, as the plugin host passes them. */
export function withDefaults(
  plugin: Plugin,
  options: Record<string, unknown>,
): Record<string, unknown> {
  if (!plugin.options) return options;
  return Value.Default(plugin.options, Value.Clone(options)) as Record<string, unknown>;
}

export function lowerCaseNames(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function verifyWith(verifier: VerifierPlugin, options: Record<string, unknown>) {
  return async (
    body: Uint8Array,
    headers: Record<string, string>,
    secrets: string[],
    now: number,
  ) =>
    verifier.verify({
      body,
      headers,
      secrets,
      url: "https://relay.test/in/src_1",
      options: withDefaults(verifier, options),
      now,
    });
}

function pluginCase(
  label: string,
  signer: SignerPlugin,
  verifier: VerifierPlugin,
  options: Record<string, unknown>,
  extra: Partial<SchemeCase> & { signatureHeader: string },
): SchemeCase {
  const signerOptions = withDefaults(signer, options);
  return {
    label,
    verifier,
    async newKeyPair() {
      const signing = signer.generateSecret?.(signerOptions) ?? `whsec_${randomBase64(32)}`;
      const verifying = (await signer.publicKey?.(signing))?.text ?? signing;
      return { signing, verifying };
    },
    async sign({ keys, ...input }) {
      const secrets = keys.map((key) => key.signing);
      return lowerCaseNames(await signer.sign({ ...input, secrets, options: signerOptions }));
    },
    verify: verifyWith(verifier, options),
    ...extra,
  };
}

function randomBase64(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64");
}

function replaceIn(name: string) {
  return (headers: Record<string, string>, timestamp: string) => ({
    ...headers,
    [name]: timestamp,
  });
}

/** A case for a verifier-only provider, signing with node:crypto as the provider does. */
function referenceCase(
  label: string,
  verifier: VerifierPlugin,
  headersFor: (secret: string, body: Uint8Array, timestamp: number) => Record<string, string>,
  extra: Partial<SchemeCase> & { signatureHeader: string },
): SchemeCase {
  return {
    label,
    verifier,
    async newKeyPair() {
      const secret = randomBase64(24);
      return { signing: secret, verifying: secret };
    },
    async sign({ keys, body, timestampSeconds }) {
      const newest = keys[0];
      if (!newest) throw new Error("a reference signer needs a key");
      return headersFor(newest.signing, body, timestampSeconds);
    },
    verify: verifyWith(verifier, {}),
    signsWithNewestOnly: true,
    ...extra,
  };
}

const standardExtra = {
  signatureHeader: "webhook-signature",
  idHeader: "webhook-id",
  withTimestamp: replaceIn("webhook-timestamp"),
};

export const schemeCases: SchemeCase[] = [
  pluginCase(
    "standard-webhooks",
    standardWebhooksSigner,
    standardWebhooksVerifier,
    {},
    standardExtra,
  ),
  pluginCase(
    "standard-webhooks-ed25519",
    standardWebhooksEd25519Signer,
    standardWebhooksEd25519Verifier,
    {},
    standardExtra,
  ),
  pluginCase(
    "stripe",
    stripeSigner,
    stripeVerifier,
    {},
    {
      signatureHeader: "stripe-signature",
      withTimestamp: (headers, timestamp) => ({
        ...headers,
        "stripe-signature": (headers["stripe-signature"] ?? "").replace(/^t=\d+/, `t=${timestamp}`),
      }),
    },
  ),
  pluginCase(
    "github",
    githubSigner,
    githubVerifier,
    {},
    {
      signatureHeader: "x-hub-signature-256",
      signsWithNewestOnly: true,
    },
  ),
  pluginCase("hmac (defaults)", hmacSigner, hmacVerifier, {}, { signatureHeader: "x-signature" }),
  pluginCase(
    "hmac (sha512, base64, prefix, timestamp)",
    hmacSigner,
    hmacVerifier,
    {
      header: "X-Sig",
      algorithm: "sha512",
      encoding: "base64",
      prefix: "sha512=",
      timestampHeader: "X-Sig-Timestamp",
    },
    { signatureHeader: "x-sig", withTimestamp: replaceIn("x-sig-timestamp") },
  ),
  pluginCase("jws HS256", jwsSigner, jwsVerifier, {}, { signatureHeader: "x-jws-signature" }),
  pluginCase(
    "jws ES256",
    jwsSigner,
    jwsVerifier,
    { alg: "ES256" },
    {
      signatureHeader: "x-jws-signature",
    },
  ),
  pluginCase(
    "jws EdDSA unencoded",
    jwsSigner,
    jwsVerifier,
    { alg: "EdDSA", unencoded: true, headerName: "JWS" },
    { signatureHeader: "jws" },
  ),
  referenceCase(
    "shopify",
    shopifyVerifier,
    (secret, body) => ({
      "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64"),
    }),
    { signatureHeader: "x-shopify-hmac-sha256" },
  ),
  referenceCase(
    "slack",
    slackVerifier,
    (secret, body, timestamp) => ({
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": `v0=${createHmac("sha256", secret)
        .update(`v0:${timestamp}:`)
        .update(body)
        .digest("hex")}`,
    }),
    { signatureHeader: "x-slack-signature", withTimestamp: replaceIn("x-slack-request-timestamp") },
  ),
];
