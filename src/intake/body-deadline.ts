/**
 * How long a request body may take to arrive. Bun closes a connection idle for ten seconds,
 * but a sender that trickles a byte every few seconds is never idle: without a deadline it
 * could hold its share of the body budget (body-budget.ts) for as long as it likes, and a few
 * such connections would keep every other sender out. Past the deadline the request gets 408
 * and its body stream is cancelled, so nothing of it is stored and its budget is freed.
 */
import { HookrelayError } from "../errors/hookrelay-error.ts";

/** Reads with `read`, which must stop when `signal` aborts; 0 ms means no deadline. */
export async function readBeforeDeadline<T>(
  timeoutMs: number,
  read: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const abort = new AbortController();
  if (timeoutMs <= 0) return read(abort.signal);
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(
        new HookrelayError("ERR_REQUEST_TIMEOUT", "request body too slow", {
          detail:
            `The request body did not arrive within ${timeoutMs} ms ` +
            "(server.body_timeout); nothing was stored",
        }),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([read(abort.signal), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A request body whose connection closed before it ended: the sender's doing, not the
 * relay's, and nobody hears the answer; a 4xx keeps it out of the error log and out of the
 * 5xx count operators alert on.
 */
export function bodyCutShort(cause: unknown): HookrelayError {
  return new HookrelayError("ERR_BODY_INCOMPLETE", "request body cut short", {
    cause,
    detail: "The connection closed before the whole body arrived; nothing was stored",
  });
}

/**
 * Reads a body stream whole, at most `maxBytes` (`tooLarge` past it), and cancels it when
 * `signal` aborts, so a trickling sender stops costing memory the moment it is cut off.
 */
export async function readStreamCapped(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  tooLarge: () => Error,
  signal?: AbortSignal,
  /** What a failed read becomes; a request's stream says the body was cut short. */
  readFailed: (cause: unknown) => unknown = (cause) => cause,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  signal?.addEventListener("abort", cancel, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((cause: unknown) => {
        throw readFailed(cause);
      });
      if (done || signal?.aborted) break;
      size += value.byteLength;
      if (size > maxBytes) {
        cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
  return Buffer.concat(chunks);
}
