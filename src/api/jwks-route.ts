/**
 * GET /.well-known/jwks.json: the public keys of every endpoint signed with an asymmetric
 * scheme (jws with ES256/EdDSA, Standard Webhooks v1a), so receivers can verify with a JWKS
 * client such as jose's createRemoteJWKSet. Public keys only; no token needed.
 */
import { Elysia } from "elysia";
import { listEndpoints } from "../db/endpoint-store.ts";
import type { EndpointRow } from "../db/schema.ts";
import type { PublicJwk } from "../plugins/sdk.ts";
import type { ApiDeps } from "./deps.ts";

export function jwksRoute(deps: ApiDeps) {
  return new Elysia().get("/.well-known/jwks.json", async ({ set }) => {
    const keys: PublicJwk[] = [];
    for (const endpoint of await listSigningEndpoints(deps)) {
      const now = Date.now();
      const secrets: [string, string][] = [[endpoint.id, endpoint.secret]];
      // The newest rotated-out key keeps the kid it always had; older ones are numbered.
      endpoint.previousSecrets
        .filter((previous) => previous.expiresAt > now)
        .forEach((previous, i) => {
          const kid = i === 0 ? `${endpoint.id}.previous` : `${endpoint.id}.previous.${i + 1}`;
          secrets.push([kid, previous.secret]);
        });
      for (const [kid, secret] of secrets) {
        const { jwk } = await deps.plugins.publicKey(endpoint.signing.plugin, secret);
        if (jwk) keys.push({ ...jwk, kid: jwk.kid ?? kid });
      }
    }
    set.headers["cache-control"] = "max-age=60";
    return { keys };
  });
}

async function listSigningEndpoints(deps: ApiDeps): Promise<EndpointRow[]> {
  const withPublicKeys: EndpointRow[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await listEndpoints(deps.orm, 250, after);
    for (const row of page) {
      if (deps.plugins.signer(row.signing.plugin)?.publicKey) withPublicKeys.push(row);
    }
    if (page.length < 250) return withPublicKeys;
    after = page.at(-1)?.id;
  }
}
