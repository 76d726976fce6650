/**
 * Reads an inbound request body as bytes, never parsed, with the source's size cap applied
 * while reading: a declared Content-Length over the cap is refused before reading, and a
 * chunked upload is cut off as soon as it passes the cap. gzip and deflate bodies are decoded,
 * and the cap applies to the decoded size too (a small zip bomb is still refused); any other
 * Content-Encoding is refused with 415.
 */
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { bodyCutShort, readStreamCapped } from "../intake/body-deadline.ts";

const decodable = new Set(["gzip", "x-gzip", "deflate"]);

/** `signal` (the body deadline) cancels the request's stream; see body-deadline.ts. */
export async function readRawBody(
  request: Request,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  // The request's own stream may be cut short by its sender; the inflated one fails only on
  // bad compressed data, which the catch below reports as such.
  const readCapped = (stream: ReadableStream<Uint8Array>, fromRequest: boolean) =>
    readStreamCapped(
      stream,
      maxBytes,
      () => tooLarge(maxBytes),
      fromRequest ? signal : undefined,
      fromRequest ? bodyCutShort : undefined,
    );
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (!request.body) return new Uint8Array();
  if (encoding === "identity" || encoding === "") return readCapped(request.body, true);
  if (!decodable.has(encoding)) {
    const rule = "must be gzip, deflate or absent";
    throw new HookrelayError("ERR_UNSUPPORTED_CONTENT_ENCODING", "unsupported content encoding", {
      detail: `Content-Encoding ${JSON.stringify(encoding)} is not supported: it ${rule}`,
      fields: [{ field: "header:Content-Encoding", message: rule }],
    });
  }
  const format = encoding === "deflate" ? "deflate" : "gzip";
  // The compressed bytes are capped too, so a client cannot stream forever.
  const compressed = await readCapped(request.body, true);
  try {
    const inflated = new Blob([compressed]).stream().pipeThrough(new DecompressionStream(format));
    return await readCapped(inflated, false);
  } catch (error) {
    if (error instanceof HookrelayError) throw error;
    throw new HookrelayError("ERR_CONTENT_ENCODING", "invalid compressed body", {
      cause: error,
      detail: `The body is not valid ${format} data`,
    });
  }
}

function tooLarge(maxBytes: number): HookrelayError {
  return new HookrelayError("ERR_PAYLOAD_TOO_LARGE", "body over the source's limit", {
    detail: `The body is larger than this source's limit of ${maxBytes} bytes`,
  });
}
