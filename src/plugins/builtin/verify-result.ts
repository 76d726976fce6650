/**
 * Small pieces every built-in verifier shares: the failure value, the timestamp window, the
 * comparison of received signatures against expected ones, and reading a JSON body for
 * `describe()`. Verifiers return these values; they never throw on what a sender controls.
 */
import {
  fromBase64,
  t,
  timingSafeEqualBytes,
  type VerifyFailure,
  type VerifyResult,
} from "../sdk.ts";

export type VerifyRejection = Extract<VerifyResult, { ok: false }>;

export const verified: VerifyResult = { ok: true };

export function reject(reason: VerifyFailure, detail?: string): VerifyRejection {
  return detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };
}

/** Five minutes, the window Standard Webhooks, Stripe and Slack all document. */
export const defaultToleranceSeconds = 300;

/** The option every timestamped verifier takes: how far a timestamp may be off, in seconds. */
export const toleranceOption = {
  toleranceSeconds: t.Optional(
    t.Integer({ minimum: 1, maximum: 86_400, default: defaultToleranceSeconds }),
  ),
};

/**
 * The timestamp in seconds, or why it is unusable. Both directions count: a timestamp ahead
 * of the clock by more than the tolerance is rejected like an old one (Standard Webhooks
 * "too new"). Thirteen or more digits is a millisecond timestamp sent by mistake; read as
 * seconds it lies tens of thousands of years ahead, so it is reported as stale with a detail
 * that names the likely cause.
 */
export function checkTimestamp(
  text: string | undefined,
  nowMs: number,
  toleranceSeconds: number,
): number | VerifyRejection {
  if (text === undefined || text === "") return reject("missing_signature", "no timestamp");
  if (/^\d{13,}$/.test(text)) {
    return reject("stale_timestamp", "timestamp looks like milliseconds; seconds expected");
  }
  if (!/^\d{1,12}$/.test(text)) return reject("malformed_signature", "timestamp is not seconds");
  const timestampSeconds = Number(text);
  const nowSeconds = Math.floor(nowMs / 1000);
  if (Math.abs(nowSeconds - timestampSeconds) > toleranceSeconds) {
    return reject("stale_timestamp", `outside the ${toleranceSeconds} s tolerance`);
  }
  return timestampSeconds;
}

/** True when any received signature equals any expected one, each compared in constant time. */
export function anySignatureMatches(received: Uint8Array[], expected: Uint8Array[]): boolean {
  let matched = false;
  for (const candidate of received) {
    for (const wanted of expected) {
      if (timingSafeEqualBytes(candidate, wanted)) matched = true;
    }
  }
  return matched;
}

/**
 * Padded standard base64 only (RFC 4648 §4). `atob` also takes unpadded and space-laden text;
 * a signature has one spelling, and accepting others only widens what reaches the compare.
 */
export function decodeSignatureBase64(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    return undefined;
  }
  return fromBase64(text);
}

const decoder = new TextDecoder();

/** The body as a JSON object, or undefined when it is not one; for `describe()` only. */
export function parseJsonObject(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(decoder.decode(body));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function stringField(value: unknown, key: string): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === "string" && field !== "" ? field : undefined;
}
