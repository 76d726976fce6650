/**
 * RFC 9457 problem details. Every error answer of the API goes through here, so each one has
 * a stable `type`, a `title`, the `status`, and for bad input the fields at fault.
 */
import { errorCodes, HookrelayError } from "../errors/hookrelay-error.ts";

export const problemTypePrefix = "urn:hookrelay:problem:";

export function problemResponse(
  error: HookrelayError,
  headers: Record<string, string> = {},
): Response {
  const meta = errorCodes[error.code];
  const body: Record<string, unknown> = {
    type: problemTypePrefix + meta.slug,
    title: meta.title,
    status: error.status,
  };
  // A 5xx carries no internals: its detail stays in the log. A 503's detail is written for
  // the client (what to do, when to retry) and goes out.
  const forClient = error.status < 500 || error.code === "ERR_UNAVAILABLE";
  if (forClient && error.detail) body.detail = error.detail;
  if (error.fields.length > 0) {
    body.field = error.fields[0]?.field;
    body.errors = error.fields;
  }
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { ...headers, "content-type": "application/problem+json" },
  });
}

export function asHookrelayError(error: unknown): HookrelayError {
  if (error instanceof HookrelayError) return error;
  return new HookrelayError("ERR_INTERNAL", "unexpected error", { cause: error });
}
