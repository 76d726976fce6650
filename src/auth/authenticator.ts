/**
 * Who is calling, and may they. A bearer token is, in this order: the bootstrap admin token
 * (HOOKRELAY_API_TOKEN or data/api-token), a JWT when JWTs are configured, or a named token
 * looked up by its SHA-256. No token is ever compared as text (the bootstrap one is compared
 * as a digest in constant time; named ones are found by digest), and none reaches a log.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Orm } from "../db/client.ts";
import { findLiveTokenByHash, touchToken } from "../db/token-store.ts";
import type { WriteQueue } from "../db/write-queue.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import type { Logger } from "../observability/logger.ts";
import { createJwtVerifier, type JwtSettings } from "./jwt-verifier.ts";
import { isAllowed, scopesFor, type TokenScope } from "./scopes.ts";
import { hashTokenSecret } from "./token-secret.ts";

export interface Principal {
  kind: "bootstrap" | "token" | "jwt";
  /** Token id, JWT subject, or "bootstrap". */
  id: string;
  scopes: TokenScope[];
}

export interface AuthenticatorOptions {
  bootstrapToken: string;
  orm: Orm;
  writer: WriteQueue;
  jwt: JwtSettings;
  log: Logger;
  now?: () => number;
}

/** last_used_at is written at most this often per token, to keep auth off the write path. */
const touchIntervalMs = 60_000;

export type Authenticator = (
  authorization: string | null,
  method: string,
  path: string,
) => Promise<Principal>;

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const bootstrapDigest = sha256(options.bootstrapToken);
  const verifyJwt = createJwtVerifier(options.jwt);
  const now = options.now ?? Date.now;
  const touchedAt = new Map<string, number>();

  const identify = async (token: string): Promise<Principal> => {
    if (timingSafeEqual(sha256(token), bootstrapDigest)) {
      return { kind: "bootstrap", id: "bootstrap", scopes: ["admin"] };
    }
    if (verifyJwt && looksLikeJwt(token)) {
      const { subject, scopes } = await verifyJwt(token);
      return { kind: "jwt", id: subject, scopes };
    }
    const row = await findLiveTokenByHash(options.orm, hashTokenSecret(token));
    if (!row) throw unauthorized();
    const at = now();
    if (at - (touchedAt.get(row.id) ?? 0) >= touchIntervalMs) {
      touchedAt.set(row.id, at);
      options.writer
        .run((tx) => touchToken(tx, row.id, at))
        .catch((error: unknown) => {
          options.log.warn({ err: error, tokenId: row.id }, "recording token use failed");
        });
    }
    return { kind: "token", id: row.id, scopes: row.scopes };
  };

  return async (authorization, method, path) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match?.[1]) throw unauthorized();
    const principal = await identify(match[1]);
    if (!isAllowed(principal.scopes, method, path)) {
      const needed = scopesFor(method, path);
      throw new HookrelayError("ERR_FORBIDDEN", "scope does not allow this request", {
        detail: `${method} ${path} needs a token with scope ${needed.join(" or ")}`,
      });
    }
    return principal;
  };
}

function unauthorized(): HookrelayError {
  return new HookrelayError("ERR_UNAUTHORIZED", "bad or missing token", {
    detail: "Send Authorization: Bearer <token>",
  });
}

function looksLikeJwt(token: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(token);
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
