/**
 * The management commands' HTTP client for a running relay's API. A problem+json answer
 * becomes one clear line (`404 not-found: No endpoint with id …`), not a stack trace; so does
 * an answer that is not JSON at all, from something that is not the relay.
 */
import { type Command, Option } from "commander";
import {
  type ClientFlags,
  loadClientConfig,
  type RelayUrlSource,
} from "../config/client-config.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { parseCount } from "./arguments.ts";

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

/**
 * --relay-url, --token and --json, the same on every management command. Not `--url`: on
 * `endpoints update` that reads as the endpoint's new URL, and sent the token to that host.
 */
export function withClientOptions(command: Command): Command {
  return command
    .option(
      "--relay-url <url>",
      "the relay's own API address, not an endpoint's (HOOKRELAY_URL, else " +
        "http://HOOKRELAY_HOST:HOOKRELAY_PORT, default http://127.0.0.1:8080)",
    )
    .option("--token <token>", "API token (prefer HOOKRELAY_TOKEN; a flag shows in ps)")
    .option("--json", "print JSON for scripts instead of a table");
}

export function createRelayClient(options: ClientOptions): RelayClient {
  const { url, urlSource, token } = loadClientConfig(process.env, options);
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
        throw new HookrelayError("ERR_REMOTE", unreachable(url, urlSource), { cause });
      }
      const text = await response.text();
      const answer = parseAnswer(text);
      if (answer === notJson) throw notJsonError(`${url}${path}`, response.status);
      if (!response.ok) throw remoteError(url, response.status, answer);
      return { body: answer as T, headers: response.headers };
    },
  };
  return client;
}

const notJson = Symbol("not JSON");

function parseAnswer(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return notJson;
  }
}

function unreachable(url: string, source: RelayUrlSource): string {
  return (
    `cannot reach the relay at ${url} (from ${source}); the address is --relay-url, else ` +
    "HOOKRELAY_URL, else http://HOOKRELAY_HOST:HOOKRELAY_PORT (default 127.0.0.1:8080)"
  );
}

/**
 * Every answer of the relay's API is JSON. One that is not (an HTML page, a proxy's error)
 * came from something else: a --relay-url with a path, or another server on that port.
 */
function notJsonError(asked: string, status: number): HookrelayError {
  const { origin, pathname } = new URL(asked);
  return new HookrelayError(
    "ERR_REMOTE",
    `the relay at ${origin}${pathname} answered ${status} with a body that is not JSON; ` +
      "is --relay-url (or HOOKRELAY_URL) right?",
  );
}

function remoteError(url: string, status: number, answer: unknown): HookrelayError {
  const problem = (typeof answer === "object" && answer !== null ? answer : {}) as {
    type?: unknown;
    title?: unknown;
    detail?: unknown;
  };
  const slug = typeof problem.type === "string" ? problem.type.split(":").at(-1) : "";
  const detail = problem.detail ?? problem.title;
  const summary = typeof detail === "string" ? ` ${slug}: ${detail}` : "";
  // The API's own advice (send a bearer token) is for HTTP clients; say where this one's is,
  // and which relay it asked: another relay on the default port answers 401 just the same.
  const advice =
    status === 401
      ? `; asked ${new URL(url).origin} (--relay-url, HOOKRELAY_URL); the token comes from ` +
        "--token, HOOKRELAY_TOKEN, HOOKRELAY_API_TOKEN or <data-dir>/api-token"
      : "";
  return new HookrelayError("ERR_REMOTE", `the relay answered ${status}${summary}${advice}`);
}

/** --limit with this default, and --all for every page, on a list the API pages. */
export function withListOptions(command: Command, defaultLimit: string): Command {
  return command
    .option("--limit <n>", "at most this many", defaultLimit)
    .addOption(
      new Option("--all", "all of them, page after page (instead of --limit)").conflicts("limit"),
    );
}

/** How many items --limit and --all ask for (undefined: all of them). */
export function listLimit(flags: { limit?: string; all?: boolean }): number | undefined {
  return flags.all ? undefined : parseCount(flags.limit, "--limit");
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
    if (!Array.isArray(page?.data)) {
      const problem = `the answer to GET ${path} has no "data" list; is --relay-url right?`;
      throw new HookrelayError("ERR_REMOTE", problem);
    }
    items.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && (limit === undefined || items.length < limit));
  return items;
}
