/**
 * The management commands' HTTP client for a running relay's API. A problem+json answer
 * becomes one clear line (`404 not-found: No endpoint with id …`), not a stack trace.
 */
import type { Command } from "commander";
import { type ClientFlags, loadClientConfig } from "../config/client-config.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";

export interface ClientOptions extends ClientFlags {
  json?: boolean;
}

export interface RelayClient {
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T>;
  /** The same, with the answer's headers (`Idempotent-Replayed`, say) beside its body. */
  exchange<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ body: T; headers: Headers }>;
}

/** --url, --token and --json, the same on every management command. */
export function withClientOptions(command: Command): Command {
  return command
    .option("--url <url>", "relay API (HOOKRELAY_URL, default http://127.0.0.1:8080)")
    .option("--token <token>", "API token (prefer HOOKRELAY_TOKEN; a flag shows in ps)")
    .option("--json", "print JSON for scripts instead of a table");
}

export function createRelayClient(options: ClientOptions): RelayClient {
  const { url, token } = loadClientConfig(process.env, options);
  const client: RelayClient = {
    async request<T>(method: string, path: string, body?: unknown, extra = {}) {
      return (await client.exchange<T>(method, path, body, extra)).body;
    },
    async exchange<T>(method: string, path: string, body?: unknown, extra = {}) {
      const headers = new Headers(extra);
      headers.set("authorization", `Bearer ${token}`);
      if (body !== undefined) headers.set("content-type", "application/json");
      let response: Response;
      try {
        response = await fetch(`${url}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (cause) {
        throw new HookrelayError("ERR_REMOTE", `cannot reach the relay at ${url}`, { cause });
      }
      const text = await response.text();
      if (!response.ok) throw remoteError(url, response.status, text);
      const answer = (text === "" ? undefined : JSON.parse(text)) as T;
      return { body: answer, headers: response.headers };
    },
  };
  return client;
}

function remoteError(url: string, status: number, text: string): HookrelayError {
  let summary = text.slice(0, 200);
  try {
    const problem = JSON.parse(text) as { type?: string; title?: string; detail?: string };
    const slug = problem.type?.split(":").at(-1) ?? "";
    summary = `${slug}: ${problem.detail ?? problem.title ?? ""}`;
  } catch {
    // Not problem+json (a proxy's error page, say): show its start as it is.
  }
  // The API's own advice (send a bearer token) is for HTTP clients; say where this one's is,
  // and which relay it asked: another relay on the default port answers 401 just the same.
  const advice =
    status === 401
      ? `; asked ${new URL(url).origin} (--url, HOOKRELAY_URL); the token comes from --token, ` +
        "HOOKRELAY_TOKEN, HOOKRELAY_API_TOKEN or <data-dir>/api-token"
      : "";
  return new HookrelayError("ERR_REMOTE", `the relay answered ${status} ${summary}${advice}`);
}

/** Every page of a cursor-paged list, up to `limit` items (undefined: all of them). */
export async function fetchPages<T>(
  client: RelayClient,
  path: string,
  query: Record<string, string | undefined>,
  limit: number | undefined,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, value);
    }
    const want = limit === undefined ? 250 : Math.min(250, limit - items.length);
    params.set("limit", String(want));
    if (cursor) params.set("cursor", cursor);
    const page = await client.request<{ data: T[]; nextCursor: string | null }>(
      "GET",
      `${path}?${params}`,
    );
    items.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && (limit === undefined || items.length < limit));
  return items;
}
