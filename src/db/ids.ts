/**
 * Prefixed, time-ordered ids (`evt_01J…`). Time order makes the newest-first listings and
 * cursors plain index scans, and keeps inserts at the right edge of each index.
 */
import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();

export type IdPrefix = "ep" | "evt" | "dlv" | "att" | "src" | "tok";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextUlid()}`;
}
