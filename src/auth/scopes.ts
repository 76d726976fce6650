/**
 * What each token scope may do, in one place: the authenticator enforces it and the OpenAPI
 * document describes it from the same function, so the two cannot disagree.
 * - admin: everything;
 * - publish: only POST /v1/events (an application that emits events, and nothing else);
 * - read: GET on /v1 and /metrics (dashboards, scrapers, support staff).
 * Managing tokens is admin-only, reads included: a token list is a map of who has access.
 */
import type { TokenScope } from "../db/schema.ts";

export type { TokenScope } from "../db/schema.ts";
export { tokenScopes } from "../db/schema.ts";

/** The scopes any one of which allows `method` on `path`. */
export function scopesFor(method: string, path: string): TokenScope[] {
  const route = path.length > 1 ? path.replace(/\/+$/, "") : path;
  if (route === "/v1/tokens" || route.startsWith("/v1/tokens/")) return ["admin"];
  if (method === "POST" && route === "/v1/events") return ["admin", "publish"];
  if (method === "GET" || method === "HEAD") return ["admin", "read"];
  return ["admin"];
}

export function isAllowed(scopes: readonly TokenScope[], method: string, path: string): boolean {
  return scopesFor(method, path).some((scope) => scopes.includes(scope));
}
