/**
 * Reads a JSON request body with a size cap. The cap is enforced while reading, so a chunked
 * upload without Content-Length is cut off at the limit instead of buffered whole.
 */
import { HookrelayError, validationError } from "../errors/hookrelay-error.ts";
import { bodyCutShort, readStreamCapped } from "../intake/body-deadline.ts";

// Without { stream: true } each decode starts afresh, even after a throw, so one serves all.
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** `signal` (the body deadline) cancels a chunked body's stream; see body-deadline.ts. */
export async function readJsonBody(
  request: Request,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  // A chunked body is cut off at the cap while it streams in, never buffered whole.
  const bytes = Number.isFinite(declared)
    ? await readDeclared(request, maxBytes)
    : request.body
      ? await readStreamCapped(
          request.body,
          maxBytes,
          () => tooLarge(maxBytes),
          signal,
          bodyCutShort,
        )
      : new Uint8Array();
  if (bytes.byteLength === 0) return {};
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw new HookrelayError("ERR_UNSUPPORTED_MEDIA_TYPE", "body is not JSON", {
      detail: `Send the body as application/json, not ${JSON.stringify(contentType || "nothing")}`,
      fields: [{ field: "header:Content-Type", message: "must be application/json" }],
    });
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (cause) {
    throw new HookrelayError("ERR_MALFORMED_JSON", "body is not UTF-8", {
      cause,
      detail: "The body is not valid UTF-8",
    });
  }
  if (nestingDepth(text) > maxNestingDepth) {
    throw validationError([
      { field: "/", message: `nests deeper than ${maxNestingDepth} levels of arrays and objects` },
    ]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new HookrelayError("ERR_MALFORMED_JSON", "body is not JSON", {
      cause,
      detail: cause instanceof Error ? cause.message : "The body is not valid JSON",
    });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw validationError([{ field: "/", message: "must be a JSON object" }]);
  }
  if (longExponent.test(text) || longDigitRun.test(text)) {
    const fields = findOverflowingNumbers(value).map((field) => ({
      field,
      message: "is a number beyond the range of a double (±1.8e308); send it as a string",
    }));
    if (fields.length > 0) throw validationError(fields);
  }
  return value;
}

/**
 * A body with a Content-Length: HTTP framing already bounds it to the length checked above,
 * and reading it whole skips the stream's per-chunk promises (in a bare Bun.serve, half the
 * CPU of answering a 1 KiB POST). The cap is checked again for Requests built in process,
 * whose header need not match their body.
 */
// When the body deadline passes first, the 408 answered ends the read: Bun rejects a body
// still pending once the response is sent.
async function readDeclared(request: Request, maxBytes: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
  return bytes;
}

function tooLarge(maxBytes: number): HookrelayError {
  return new HookrelayError("ERR_PAYLOAD_TOO_LARGE", "body over the limit", {
    detail: `The body is larger than ${maxBytes} bytes`,
  });
}

/**
 * Deeper JSON than this is refused before parsing: nothing legitimate needs it, and schema
 * validation and error reporting recurse over the value, so a few thousand levels could
 * exhaust the stack.
 */
export const maxNestingDepth = 128;

/** The deepest bracket nesting of a JSON text, ignoring brackets inside strings. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * JSON.parse reads a number past the range of a double, such as `1e400`, as Infinity, which
 * JSON.stringify writes as null: the event would be stored and sent with another value than
 * was published. Such a literal has a three-digit exponent or, with at most `e99`, over 200
 * digits before its point; only a body with one (or a string that looks like one) is walked.
 * Two patterns, not one alternation: each alone scans a 1 MiB body several times faster.
 */
const longExponent = /\d[eE]\+?\d{3}/;
// Anchored at a run's start: a bare \d{200} tried again at every digit of a run just short of
// 200, which made a body of 199-digit runs take 100 ms per MiB instead of 2.
const longDigitRun = /(?:^|\D)\d{200}/;

const maxReportedNumbers = 10;

/** JSON pointers (RFC 6901) of the infinite numbers in a parsed body, in document order. */
function findOverflowingNumbers(body: unknown): string[] {
  const found: string[] = [];
  // An explicit stack: the depth is capped before parsing, but a walk need not rely on it.
  const stack: { value: unknown; pointer: string }[] = [{ value: body, pointer: "" }];
  for (let next = stack.pop(); next && found.length < maxReportedNumbers; next = stack.pop()) {
    const { value, pointer } = next;
    if (typeof value === "number" && !Number.isFinite(value)) found.push(pointer);
    if (value === null || typeof value !== "object") continue;
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as [string, unknown];
      stack.push({ value: child, pointer: `${pointer}/${escapePointerToken(key)}` });
    }
  }
  return found;
}

function escapePointerToken(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}
