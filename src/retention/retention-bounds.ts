/**
 * What retention bounds: idempotency keys and inbound delivery ids are kept with their event,
 * so once retention deletes the event, the same key or id makes a new one. These say how long
 * that is at least, and refuse a dedupe window that retention would cut short.
 */
import parseMs from "ms";
import type { RetentionSettings } from "./retention.ts";

/** The idempotency window the API documents for `Idempotency-Key` and event ids. */
export const idempotencyWindowMs = 24 * 3600 * 1000;

/**
 * How long every event is kept at least: an event goes when its deliveries are finished and
 * past their retention, which is never sooner than this after it arrived. Undefined:
 * retention is off (`retention.interval = 0`) and keeps everything.
 */
export function shortestRetentionMs(settings: RetentionSettings): number | undefined {
  if (settings.retentionIntervalMs <= 0) return undefined;
  return Math.min(settings.retentionSucceededMs, settings.retentionDeadMs);
}

/** Why a source's dedupe window cannot hold: longer than events are kept. */
export function describeDedupeWindowProblem(
  windowSeconds: number | undefined,
  settings: RetentionSettings,
): string | undefined {
  const keptMs = shortestRetentionMs(settings);
  if (windowSeconds === undefined || keptMs === undefined || windowSeconds * 1000 <= keptMs) {
    return undefined;
  }
  const setting =
    settings.retentionSucceededMs <= settings.retentionDeadMs
      ? "retention.succeeded"
      : "retention.dead";
  return (
    `is longer than ${setting} (${parseMs(keptMs, { long: true })}): a delivery id is ` +
    `forgotten when its event is deleted; at most ${Math.floor(keptMs / 1000)} seconds`
  );
}
