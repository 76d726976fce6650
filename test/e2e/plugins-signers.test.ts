/**
 * Every built-in signer, end to end: the real relay signs a real delivery and the receiver
 * checks it with the provider's own published verifier, never with our code. A user signer
 * built on the host's `jose` is checked the same way.
 */
import { describe, expect, test } from "bun:test";
import { createHmac, timingSafeEqual } from "node:crypto";
import { verify as verifyGithub } from "@octokit/webhooks-methods";
import {
  base64url,
  compactVerify,
  createRemoteJWKSet,
  decodeProtectedHeader,
  flattenedVerify,
  jwtVerify,
} from "jose";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { type Receiver, startReceiver } from "../support/receiver.ts";
import { strangerSecret } from "./api-fixtures.ts";
import {
  createPluginEndpoint,
  deliverOne,
  fixtureDir,
  type PluginChoice,
  type PluginEndpoint,
} from "./plugins-support.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const { relay, receivers } = relayPerFile({
  env: { HOOKRELAY_PLUGINS_DIR: fixtureDir("working") },
});

/** An endpoint of its own, subscribed to `type` only, with its own receiver. */
async function signedEndpoint(
  type: string,
  choice: PluginChoice & { secret?: string },
): Promise<{ endpoint: PluginEndpoint; receiver: Receiver }> {
  const receiver = startReceiver();
  receivers.push(receiver);
  const endpoint = await createPluginEndpoint(relay, {
    url: receiver.url,
    eventTypes: [type],
    ...choice,
  });
  return { endpoint, receiver };
}

const payload = { amount: 4200, note: "Zoë paid 🎉", lines: ["a.b", "c"] };

describe("built-in signers, checked by the providers' verifiers", () => {
  test("standard-webhooks verifies with the standardwebhooks library", async () => {
    const { endpoint, receiver } = await signedEndpoint("signer.standard", {
      signing: { scheme: "standard-webhooks" },
    });
    const { eventId, request } = await deliverOne(relay, receiver, "signer.standard", payload);

    expect(endpoint.secret).toStartWith("whsec_");
    expect(request.headers["webhook-id"]).toBe(eventId);
    expect(new Webhook(endpoint.secret).verify(request.body, request.headers)).toMatchObject({
      type: "signer.standard",
      data: payload,
    });
    expect(() => new Webhook(strangerSecret()).verify(request.body, request.headers)).toThrow();
  });

  test("standard-webhooks-ed25519 verifies with the whpk_ key from the secret route", async () => {
    const { endpoint, receiver } = await signedEndpoint("signer.ed25519", {
      signing: { scheme: "standard-webhooks-ed25519" },
    });
    const { eventId, request } = await deliverOne(relay, receiver, "signer.ed25519", payload);
    const { publicKey } = await relay.json(`/v1/endpoints/${endpoint.id}/secret`);

    expect(endpoint.secret).toMatch(/^whsk_[A-Za-z0-9+/]{43}=$/);
    expect(publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    const key = await crypto.subtle.importKey(
      "raw",
      Buffer.from(publicKey.slice("whpk_".length), "base64"),
      { name: "Ed25519" },
      false,
      ["verify"],
    );
    const { "webhook-id": id, "webhook-timestamp": timestamp } = request.headers;
    expect(id).toBe(eventId);
    const signature = request.headers["webhook-signature"] ?? "";
    expect(signature).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    const signed = new TextEncoder().encode(`${id}.${timestamp}.${request.body}`);
    const bytes = Buffer.from(signature.slice("v1a,".length), "base64");
    expect(await crypto.subtle.verify("Ed25519", key, bytes, signed)).toBe(true);
    const tampered = new TextEncoder().encode(`${id}.${timestamp}.${request.body} `);
    expect(await crypto.subtle.verify("Ed25519", key, bytes, tampered)).toBe(false);
  });

  test("standard-webhooks-ed25519 publishes its public key in the JWKS", async () => {
    const { endpoint } = await signedEndpoint("signer.ed25519.jwks", {
      signing: { scheme: "standard-webhooks-ed25519" },
    });
    const { publicKey } = await relay.json(`/v1/endpoints/${endpoint.id}/secret`);
    const response = await fetch(`${relay.url}/.well-known/jwks.json`);
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };

    expect(response.status).toBe(200);
    const raw = Buffer.from(publicKey.slice("whpk_".length), "base64");
    expect(keys).toContainEqual(
      expect.objectContaining({ kty: "OKP", crv: "Ed25519", x: base64url.encode(raw) }),
    );
  });

  test("stripe verifies with stripe's constructEventAsync", async () => {
    const { endpoint, receiver } = await signedEndpoint("signer.stripe", {
      signing: { scheme: "stripe" },
    });
    const { request } = await deliverOne(relay, receiver, "signer.stripe", payload);
    const header = request.headers["stripe-signature"] ?? "";
    const stripe = new Stripe("sk_test_x");

    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = await stripe.webhooks.constructEventAsync(request.body, header, endpoint.secret);
    expect(event).toMatchObject({ type: "signer.stripe", data: payload });
    const wrong = stripe.webhooks.constructEventAsync(request.body, header, strangerSecret());
    await expect(wrong).rejects.toThrow();
  });

  test("github verifies with @octokit/webhooks-methods", async () => {
    const secret = "a-github-style-shared-secret";
    const { receiver } = await signedEndpoint("signer.github", {
      signing: { scheme: "github" },
      secret,
    });
    const { eventId, request } = await deliverOne(relay, receiver, "signer.github", payload);
    const signature = request.headers["x-hub-signature-256"] ?? "";

    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(request.headers["x-github-delivery"]).toBe(eventId);
    expect(request.headers["x-hub-signature"]).toBeUndefined();
    expect(await verifyGithub(secret, request.body, signature)).toBe(true);
    expect(await verifyGithub(`${secret}!`, request.body, signature)).toBe(false);
  });

  test("hmac with its defaults sends a hex SHA-256 in x-signature", async () => {
    const secret = "a-generic-hmac-shared-secret";
    const { receiver } = await signedEndpoint("signer.hmac.defaults", {
      signing: { scheme: "hmac" },
      secret,
    });
    const { request } = await deliverOne(relay, receiver, "signer.hmac.defaults", payload);
    const expected = createHmac("sha256", secret).update(request.bodyBytes).digest("hex");

    expect(request.headers["x-signature"]).toBe(expected);
  });

  test("hmac signs timestamp and body as its options ask, checked with node:crypto", async () => {
    const secret = "a-generic-hmac-shared-secret";
    const options = {
      header: "X-Acme-Signature",
      algorithm: "sha512",
      encoding: "base64",
      prefix: "sha512=",
      timestampHeader: "X-Acme-Timestamp",
    };
    const { endpoint, receiver } = await signedEndpoint("signer.hmac.options", {
      signing: { scheme: "hmac", options },
      secret,
    });
    const { request } = await deliverOne(relay, receiver, "signer.hmac.options", payload);
    const timestamp = request.headers["x-acme-timestamp"] ?? "";
    const value = request.headers["x-acme-signature"] ?? "";

    expect(endpoint.signing).toEqual({ scheme: "hmac", options });
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(value).toStartWith("sha512=");
    const expected = createHmac("sha512", secret)
      .update(`${timestamp}.`)
      .update(request.bodyBytes)
      .digest();
    const received = Buffer.from(value.slice("sha512=".length), "base64");
    expect(received.length).toBe(64);
    expect(timingSafeEqual(received, expected)).toBe(true);
  });
});

describe("jws, checked by jose against the relay's JWKS", () => {
  const jwks = () => createRemoteJWKSet(new URL(`${relay.url}/.well-known/jwks.json`));

  test("ES256 verifies as a compact JWS with the payload reattached", async () => {
    const { endpoint, receiver } = await signedEndpoint("signer.jws.es256", {
      signing: { scheme: "jws", options: { alg: "ES256" } },
    });
    const { request } = await deliverOne(relay, receiver, "signer.jws.es256", payload);
    const value = request.headers["x-jws-signature"] ?? "";
    const [encodedHeader, detached, signature] = value.split(".");

    expect(endpoint.secret).not.toStartWith("whsec_");
    expect(detached).toBe("");
    const compact = `${encodedHeader}.${base64url.encode(request.bodyBytes)}.${signature}`;
    const result = await compactVerify(compact, jwks(), { algorithms: ["ES256"] });
    expect(new TextDecoder().decode(result.payload)).toBe(request.body);
    expect(result.protectedHeader).toEqual({ alg: "ES256", kid: expect.any(String) });
    const tampered = `${encodedHeader}.${base64url.encode(`${request.body} `)}.${signature}`;
    await expect(compactVerify(tampered, jwks(), { algorithms: ["ES256"] })).rejects.toThrow();
  });

  test("EdDSA with an unencoded payload verifies as a flattened JWS", async () => {
    const { receiver } = await signedEndpoint("signer.jws.eddsa", {
      signing: { scheme: "jws", options: { alg: "EdDSA", unencoded: true } },
    });
    const { request } = await deliverOne(relay, receiver, "signer.jws.eddsa", payload);
    const value = request.headers["x-jws-signature"] ?? "";
    const [encodedHeader = "", , signature = ""] = value.split(".");
    const jws = { protected: encodedHeader, payload: request.bodyBytes, signature };

    expect(decodeProtectedHeader(jws)).toEqual({
      alg: "EdDSA",
      kid: expect.any(String),
      b64: false,
      crit: ["b64"],
    });
    const result = await flattenedVerify(jws, jwks(), { algorithms: ["EdDSA"] });
    expect(new TextDecoder().decode(result.payload)).toBe(request.body);
  });

  test("the JWKS names each asymmetric key by the kid its signatures carry", async () => {
    const { receiver } = await signedEndpoint("signer.jws.kid", {
      signing: { scheme: "jws", options: { alg: "ES256" } },
    });
    const { request } = await deliverOne(relay, receiver, "signer.jws.kid", payload);
    const header = decodeProtectedHeader(request.headers["x-jws-signature"] ?? "");
    const response = await fetch(`${relay.url}/.well-known/jwks.json`);
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };

    expect(keys.filter((key) => key.kid === header.kid)).toEqual([
      {
        kty: "EC",
        crv: "P-256",
        x: expect.any(String),
        y: expect.any(String),
        kid: header.kid as string,
        alg: "ES256",
        use: "sig",
      },
    ]);
    expect(keys.every((key) => !("d" in key))).toBe(true);
  });
});

describe("a user signer", () => {
  test("signs with the host's jose, checked by jose's jwtVerify", async () => {
    const secret = "a-user-signer-secret-of-32-characters";
    const { receiver } = await signedEndpoint("signer.user.jwt", {
      signing: { scheme: "fixture-jwt", options: { issuer: "e2e" } },
      secret,
    });
    const { eventId, request } = await deliverOne(relay, receiver, "signer.user.jwt", payload);
    const jwt = request.headers["x-fixture-jwt"] ?? "";
    const key = new TextEncoder().encode(secret);

    const verified = await jwtVerify(jwt, key, { issuer: "e2e", algorithms: ["HS256"] });
    const claims = verified.payload;
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new Uint8Array(request.bodyBytes)),
    );
    expect(claims).toEqual({
      sha256: base64url.encode(digest),
      jti: eventId,
      iat: expect.any(Number),
      iss: "e2e",
    });
  });
});
