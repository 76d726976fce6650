/**
 * Inbound verifiers for senders that do not sign: HTTP Basic credentials (RFC 7617), a
 * shared token in a header or the query string, and `none`, which accepts everything and
 * exists only so that an unauthenticated source is a choice someone made on purpose.
 */
import { definePlugin, type Static, t, timingSafeEqualBytes } from "../sdk.ts";
import { reject, verified } from "./verify-result.ts";

const encoder = new TextEncoder();

/** Equal in constant time; secrets of another length never match. */
function matchesAny(candidate: string, secrets: string[]): boolean {
  const given = encoder.encode(candidate);
  let matched = false;
  for (const secret of secrets) {
    if (timingSafeEqualBytes(given, encoder.encode(secret))) matched = true;
  }
  return matched;
}

/** Secrets are `user:password`; the request's Authorization: Basic must match one. */
export const basicVerifier = definePlugin({
  kind: "verifier",
  name: "basic",
  version: "1.0.0",
  description: "HTTP Basic credentials; secrets are user:password",
  verify({ headers, secrets }) {
    if (secrets.length === 0) return reject("missing_secret");
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headers.authorization ?? "");
    if (!match?.[1]) return reject("missing_signature", "no Basic authorization header");
    let credentials: string;
    try {
      credentials = atob(match[1]);
    } catch {
      return reject("malformed_signature", "authorization is not base64");
    }
    return matchesAny(credentials, secrets) ? verified : reject("bad_signature");
  },
});

const tokenOptions = t.Object(
  {
    /** Header carrying the token, e.g. x-webhook-token; a "Bearer " prefix is stripped. */
    header: t.Optional(t.String({ minLength: 1, maxLength: 128 })),
    /** Query parameter carrying the token, for senders that can only configure a URL. */
    query: t.Optional(t.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);

export const tokenVerifier = definePlugin({
  kind: "verifier",
  name: "token",
  version: "1.0.0",
  description: "a shared token in a header (default x-webhook-token) or a query parameter",
  options: tokenOptions,
  checkOptions(options: Static<typeof tokenOptions>) {
    return options.header && options.query ? "set header or query, not both" : undefined;
  },
  verify({ headers, url, secrets, options }) {
    if (secrets.length === 0) return reject("missing_secret");
    let token: string | undefined;
    if (options.query) token = new URL(url).searchParams.get(options.query) ?? undefined;
    else {
      const raw = headers[(options.header ?? "x-webhook-token").toLowerCase()];
      token = raw?.replace(/^Bearer\s+/i, "");
    }
    if (!token) return reject("missing_signature", "no token");
    return matchesAny(token, secrets) ? verified : reject("bad_signature");
  },
});

export const noneVerifier = definePlugin({
  kind: "verifier",
  name: "none",
  version: "1.0.0",
  description: "accepts every request: no authentication at all",
  verify() {
    return verified;
  },
});
