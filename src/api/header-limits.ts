/**
 * Caps on request headers, checked before anything else reads them: a flood of headers or a
 * giant one is refused with 431 (RFC 6585 §5) as problem+json. Bun itself refuses requests
 * whose header block passes its own, larger parser limit, with a plain 431.
 */
import { HookrelayError } from "../errors/hookrelay-error.ts";

export const maxHeaderCount = 100;
// Below Bun's own parser limit (about 16 KiB), so that what reaches the app gets a proper
// problem answer.
export const maxHeaderBytes = 12 * 1024;

export function checkHeaderLimits(headers: Headers): void {
  let count = 0;
  let bytes = 0;
  for (const [name, value] of headers) {
    count++;
    bytes += name.length + value.length + 4;
  }
  if (count > maxHeaderCount || bytes > maxHeaderBytes) {
    throw new HookrelayError("ERR_HEADERS_TOO_LARGE", "request headers over the limit", {
      detail: `Send at most ${maxHeaderCount} headers and ${maxHeaderBytes} bytes of headers`,
    });
  }
}
