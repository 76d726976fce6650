/**
 * The one base error of hookrelay. Every error thrown on purpose in src/ is a HookrelayError
 * with a code from the closed set below, so the API can map it to a stable problem type and
 * tests can assert on the code instead of a message.
 */
export const errorCodes = {
  ERR_UNAUTHORIZED: { status: 401, slug: "unauthorized", title: "Missing or invalid API token" },
  ERR_FORBIDDEN: { status: 403, slug: "forbidden", title: "The token's scopes do not allow this" },
  ERR_NOT_FOUND: { status: 404, slug: "not-found", title: "Not found" },
  ERR_MALFORMED_JSON: { status: 400, slug: "malformed-json", title: "The body is not valid JSON" },
  ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    slug: "unsupported-media-type",
    title: "The body must be application/json",
  },
  ERR_UNSUPPORTED_CONTENT_ENCODING: {
    status: 415,
    slug: "unsupported-content-encoding",
    title: "The Content-Encoding is not supported",
  },
  ERR_PAYLOAD_TOO_LARGE: {
    status: 413,
    slug: "payload-too-large",
    title: "The body is larger than the limit",
  },
  ERR_VALIDATION: {
    status: 422,
    slug: "validation-failed",
    title: "The request is not valid",
  },
  ERR_IDEMPOTENCY_CONFLICT: {
    status: 409,
    slug: "idempotency-conflict",
    title: "This idempotency key or event id was used with a different body",
  },
  ERR_DELIVERY_SUCCEEDED: {
    status: 409,
    slug: "delivery-succeeded",
    title: "The delivery already succeeded",
  },
  ERR_CONCURRENT_CHANGE: {
    status: 409,
    slug: "concurrent-change",
    title: "The object changed while this request ran; send it again",
  },
  ERR_ENDPOINT_DISABLED: {
    status: 409,
    slug: "endpoint-disabled",
    title: "The endpoint is disabled",
  },
  ERR_ENDPOINT_DELETED: {
    status: 409,
    slug: "endpoint-deleted",
    title: "The delivery's endpoint was deleted",
  },
  ERR_UNAVAILABLE: {
    status: 503,
    slug: "unavailable",
    title: "The relay cannot accept writes right now",
  },
  ERR_BODY_INCOMPLETE: {
    status: 400,
    slug: "body-incomplete",
    title: "The request body ended before it was complete",
  },
  ERR_REQUEST_TIMEOUT: {
    status: 408,
    slug: "request-timeout",
    title: "The request body did not arrive in time",
  },
  ERR_HEADERS_TOO_LARGE: {
    status: 431,
    slug: "headers-too-large",
    title: "The request headers are larger than the limit",
  },
  ERR_TOO_MANY_REQUESTS: {
    status: 429,
    slug: "too-many-requests",
    title: "Too many failed attempts; slow down",
  },
  ERR_SIGNATURE: {
    status: 401,
    slug: "signature-invalid",
    title: "The request's signature did not verify",
  },
  ERR_CONTENT_ENCODING: {
    status: 400,
    slug: "invalid-content-encoding",
    title: "The body could not be decoded",
  },
  ERR_CONFIG: { status: 500, slug: "config", title: "The configuration is not valid" },
  // The command line only: an argument or option value a command cannot use.
  ERR_USAGE: { status: 500, slug: "internal", title: "A command-line argument is not valid" },
  ERR_LOCKED: { status: 500, slug: "internal", title: "Another relay holds the database" },
  ERR_REMOTE: { status: 502, slug: "internal", title: "The relay answered with an error" },
  ERR_PLUGIN_LOAD: { status: 500, slug: "internal", title: "A plugin could not be loaded" },
  ERR_PLUGIN: { status: 500, slug: "internal", title: "A plugin failed" },
  ERR_DATABASE: { status: 500, slug: "internal", title: "Internal error" },
  ERR_INTERNAL: { status: 500, slug: "internal", title: "Internal error" },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface FieldError {
  /** JSON pointer into the body (`/url`), or `header:Name` / `query:name`. */
  field: string;
  message: string;
}

export interface HookrelayErrorOptions {
  cause?: unknown;
  fields?: FieldError[];
  detail?: string;
}

export class HookrelayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: FieldError[];
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, options: HookrelayErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "HookrelayError";
    this.code = code;
    this.status = errorCodes[code].status;
    this.fields = options.fields ?? [];
    this.detail = options.detail;
  }
}

export function validationError(fields: FieldError[]): HookrelayError {
  const detail = fields.map((f) => `${f.field}: ${f.message}`).join("; ");
  return new HookrelayError("ERR_VALIDATION", detail, { fields, detail });
}

export function notFound(what: string, id: string): HookrelayError {
  return new HookrelayError("ERR_NOT_FOUND", `${what} ${id} does not exist`, {
    detail: `No ${what} with id ${JSON.stringify(id)}`,
  });
}
