/**
 * What an attempt's answer means for the delivery. Standard Webhooks: 2xx is success and
 * 410 Gone asks the sender to stop (we disable the endpoint). Redirects are failures, never
 * followed. Timeouts, connection errors, 408, 425, 429 and 5xx are worth retrying; other 4xx
 * usually mean a misconfigured receiver, retried unless the operator says otherwise.
 */
import type { AttemptResponse } from "./send-attempt.ts";

export type AttemptOutcome =
  | { kind: "succeeded" }
  | { kind: "retry"; retryAfterMs: number | undefined }
  | { kind: "dead"; disableEndpoint: boolean };

export function classifyOutcome(
  response: Pick<AttemptResponse, "statusCode" | "error">,
  options: { retryClientErrors: boolean; retryAfterMs: number | undefined },
): AttemptOutcome {
  const status = response.statusCode;
  if (response.error !== null || status === null) {
    return { kind: "retry", retryAfterMs: undefined };
  }
  if (status >= 200 && status < 300) return { kind: "succeeded" };
  if (status === 410) return { kind: "dead", disableEndpoint: true };
  const transient = status === 408 || status === 425 || status === 429 || status >= 500;
  if (transient || status < 400 || options.retryClientErrors) {
    return { kind: "retry", retryAfterMs: options.retryAfterMs };
  }
  return { kind: "dead", disableEndpoint: false };
}
