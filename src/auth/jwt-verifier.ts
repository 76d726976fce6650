/**
 * Optional JWTs from an operator's identity provider, verified with jose: HS256 with a shared
 * secret, and/or the asymmetric algorithms against a JWKS (a URL, fetched and cached by jose,
 * or a file read at start). The `scope` claim carries hookrelay scopes, space-separated as in
 * OAuth (RFC 8693 §4.2) or as a list.
 */
import { readFileSync } from "node:fs";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type FlattenedJWSInput,
  type JWK,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { type TokenScope, tokenScopes } from "./scopes.ts";

export interface JwtSettings {
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  jwksFile: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
}

export interface JwtPrincipal {
  subject: string;
  scopes: TokenScope[];
}

export type JwtVerifier = (token: string) => Promise<JwtPrincipal>;

const asymmetric = ["RS256", "PS256", "ES256", "ES384", "EdDSA"];

/** Undefined when no JWT source is configured: then a JWT is just an unknown token. */
export function createJwtVerifier(settings: JwtSettings): JwtVerifier | undefined {
  const secret = settings.jwtSecret ? new TextEncoder().encode(settings.jwtSecret) : undefined;
  const jwks = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl))
    : settings.jwksFile
      ? createLocalJWKSet(JSON.parse(readFileSync(settings.jwksFile, "utf8")) as { keys: JWK[] })
      : undefined;
  if (!secret && !jwks) return undefined;
  const algorithms = [...(secret ? ["HS256"] : []), ...(jwks ? asymmetric : [])];
  const keyFor = (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (header.alg === "HS256" && secret) return secret;
    if (jwks) return jwks(header, token);
    throw new HookrelayError("ERR_UNAUTHORIZED", "no key for this JWT's algorithm");
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keyFor, {
        algorithms,
        ...(settings.jwtIssuer ? { issuer: settings.jwtIssuer } : {}),
        ...(settings.jwtAudience ? { audience: settings.jwtAudience } : {}),
      }));
    } catch (cause) {
      const reason = (cause as { code?: string }).code ?? "ERR_JWT_INVALID";
      throw new HookrelayError("ERR_UNAUTHORIZED", "JWT rejected", {
        cause,
        detail: `The JWT was rejected (${reason})`,
      });
    }
    return { subject: payload.sub ?? "jwt", scopes: readScopes(payload.scope) };
  };
}

function readScopes(claim: unknown): TokenScope[] {
  const listed =
    typeof claim === "string"
      ? claim.split(/\s+/)
      : Array.isArray(claim)
        ? claim.filter((s): s is string => typeof s === "string")
        : [];
  return tokenScopes.filter((scope) => listed.includes(scope));
}
