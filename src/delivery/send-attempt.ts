/**
 * One HTTP attempt: POST the signed body, never follow a redirect, give up at the timeout
 * (which covers connecting, headers and reading the body), and keep at most a capped prefix
 * of the answer so one receiver cannot fill the disk.
 */
import { bareHost, type DestinationPolicy, resolveDestination } from "./destination-guard.ts";

// Without { stream: true } a decode keeps no state between calls, so one decoder serves all.
const utf8 = new TextDecoder();

export interface AttemptRequest {
  url: string;
  policy: DestinationPolicy;
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
  responseBodyMaxBytes: number;
  /** Aborts the attempt early, e.g. when the relay shuts down. */
  signal?: AbortSignal;
}

export type AttemptErrorCode =
  | "timeout"
  | "connection_error"
  | "invalid_response"
  | "plugin_error"
  | "blocked_destination"
  | "aborted";

export interface AttemptResponse {
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: AttemptErrorCode | null;
  /** Raw Retry-After header of the answer, if any. */
  retryAfter: string | null;
  responseBody: string | null;
  responseBodyTruncated: boolean;
}

export async function sendAttempt(request: AttemptRequest): Promise<AttemptResponse> {
  const startedAt = Date.now();
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  const finish = (partial: Omit<AttemptResponse, "startedAt" | "durationMs">) => ({
    startedAt,
    durationMs: Date.now() - startedAt,
    ...partial,
  });
  const url = new URL(request.url);
  const destination = await resolveDestination(url, request.policy);
  if (!destination.ok) {
    return finish(failure("blocked_destination", destination.reason));
  }
  // Read before pinning rewrites the host in place (one parse per attempt, not two).
  const host = url.host;
  const serverName = bareHost(url.hostname);
  const https = url.protocol === "https:";
  pinToAddress(url, serverName, destination.address);
  let response: Response;
  try {
    response = await fetch(url.href, {
      method: "POST",
      // The connection goes to the checked address; Host and TLS still name the original host.
      headers: { ...request.headers, host },
      body: request.body,
      redirect: "manual",
      signal,
      ...(https ? { tls: { serverName } } : {}),
    });
  } catch (error) {
    const code = classifyFetchError(error, timeout, request.signal, "headers");
    return finish(
      failure(code, describeFetchError(error, code, request.timeoutMs, [url, request.url])),
    );
  }
  try {
    const captured = await readCapped(response, request.responseBodyMaxBytes);
    return finish({
      statusCode: response.status,
      error: null,
      retryAfter: response.headers.get("retry-after"),
      responseBody: captured.text,
      responseBodyTruncated: captured.truncated,
    });
  } catch (error) {
    const code = classifyFetchError(error, timeout, request.signal, "body");
    const reason = describeFetchError(error, code, request.timeoutMs, [url, request.url]);
    // The status line did arrive, so it is kept beside the error; the attempt still failed.
    return finish({ ...failure(code, reason), statusCode: response.status });
  }
}

/** Replaces the URL's host with the address that passed the SSRF guard. */
function pinToAddress(url: URL, bareHostname: string, address: string): void {
  // An IP literal resolves to itself; skipping the setter spares a re-serialisation.
  if (bareHostname === address) return;
  url.hostname = address.includes(":") ? `[${address}]` : address;
}

/** A failure without a usable answer; its reason takes the place of the response body. */
function failure(
  error: AttemptErrorCode,
  reason: string,
): Omit<AttemptResponse, "startedAt" | "durationMs"> {
  return {
    statusCode: null,
    error,
    retryAfter: null,
    responseBody: reason,
    responseBodyTruncated: false,
  };
}

/** Enough for an error code and its sentence; the rest of a long message says nothing new. */
export const maxErrorReasonLength = 200;

/**
 * What an operator needs to tell failures apart: Bun's fetch errors carry a system code
 * (ECONNREFUSED, ECONNRESET, EPROTO for a failed TLS handshake, a certificate error's name)
 * and a sentence. Their `path` is left out, and so is every URL in the sentence but its
 * origin: for a broken answer (bad gzip, a bad chunk, a bad status line) Bun writes
 * `fetching "<url>"`, and the path or query of an endpoint's URL may hold its token.
 */
function describeFetchError(
  error: unknown,
  code: AttemptErrorCode,
  timeoutMs: number,
  sent: (URL | string)[],
): string {
  if (code === "timeout") return `no complete answer within ${timeoutMs} ms`;
  const message = withoutUrlPaths(error instanceof Error ? error.message : String(error), sent);
  const systemCode = (error as { code?: unknown } | null | undefined)?.code;
  const reason =
    typeof systemCode !== "string" || message.startsWith(systemCode)
      ? message
      : `${systemCode}: ${message}`;
  return reason.slice(0, maxErrorReasonLength);
}

/**
 * The URLs the request went to are replaced where they appear whole; then any quoted URL
 * (a path may hold `'`, which the URL parser leaves as it is, but never a bare `"`), then
 * any other run that looks like one.
 */
function withoutUrlPaths(message: string, sent: (URL | string)[]): string {
  let text = message;
  for (const url of sent) {
    const href = typeof url === "string" ? url : url.href;
    text = text.replaceAll(href, originOf(href));
  }
  text = text.replace(
    /"([a-z][a-z0-9+.-]*:\/\/[^"]*)"/gi,
    (_, url: string) => `"${originOf(url)}"`,
  );
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi, originOf);
}

function originOf(url: string): string {
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? "<url>" : origin;
  } catch {
    return "<url>";
  }
}

/**
 * The codes Bun's fetch gives an answer it could not parse or decode (seen with raw sockets
 * on loopback, test/e2e/attempt-invalid-response.test.ts): bytes that are not HTTP, a bad
 * status line or Content-Length, a broken chunk, a body that is not the gzip, deflate, br or
 * zstd it claims to be.
 */
const malformedAnswerCodes = new Set([
  "Malformed_HTTP_Response",
  "InvalidHTTPResponse",
  "InvalidContentLength",
  "ZlibError",
  "BrotliDecompressionError",
  "ZstdDecompressionError",
]);

/**
 * `stage` says how far the answer got. Once the status line and headers are in, any failure
 * but a timeout is a broken answer (a body cut short is a reset while reading it); before
 * them only a code of malformed bytes is, and a connection closed early stays a connection
 * error, since Bun cannot say whether anything arrived.
 */
function classifyFetchError(
  error: unknown,
  timeout: AbortSignal,
  external: AbortSignal | undefined,
  stage: "headers" | "body",
): AttemptErrorCode {
  if (external?.aborted) return "aborted";
  if (timeout.aborted) return "timeout";
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError") return "timeout";
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (stage === "body" || (typeof code === "string" && malformedAnswerCodes.has(code))) {
    return "invalid_response";
  }
  return "connection_error";
}

/** Reads up to `maxBytes` of the body, then cancels the rest of the stream. */
async function readCapped(
  response: Response,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: "", truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - size;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      size += room;
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  // Cutting at a byte limit can split a UTF-8 sequence; the decoder replaces the stub.
  return { text: utf8.decode(Buffer.concat(chunks)), truncated };
}
