/**
 * The plugins compiled into hookrelay. Each scheme's file holds its signer and its verifier
 * under the same name; endpoints pick a signer by name, sources a verifier.
 */
import type { Plugin } from "../sdk.ts";
import { basicVerifier, noneVerifier, tokenVerifier } from "./credentials.ts";
import { githubSigner, githubVerifier } from "./github.ts";
import { hmacSigner, hmacVerifier } from "./hmac.ts";
import { jsonataTransform } from "./jsonata.ts";
import { jwsSigner, jwsVerifier } from "./jws.ts";
import { shopifyVerifier } from "./shopify.ts";
import { slackVerifier } from "./slack.ts";
import {
  standardWebhooksEd25519Signer,
  standardWebhooksEd25519Verifier,
} from "./standard-webhooks-ed25519.ts";
import { standardWebhooksSigner, standardWebhooksVerifier } from "./standard-webhooks.ts";
import { stripeSigner, stripeVerifier } from "./stripe.ts";

export const builtinSigners: Plugin[] = [
  standardWebhooksSigner,
  standardWebhooksEd25519Signer,
  stripeSigner,
  githubSigner,
  hmacSigner,
  jwsSigner,
];

export const builtinVerifiers: Plugin[] = [
  standardWebhooksVerifier,
  standardWebhooksEd25519Verifier,
  stripeVerifier,
  githubVerifier,
  shopifyVerifier,
  slackVerifier,
  hmacVerifier,
  jwsVerifier,
  basicVerifier,
  tokenVerifier,
  noneVerifier,
];

export const builtinTransforms: Plugin[] = [jsonataTransform];

export const builtinPlugins: Plugin[] = [
  ...builtinSigners,
  ...builtinVerifiers,
  ...builtinTransforms,
];
