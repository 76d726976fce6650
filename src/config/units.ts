/**
 * Durations and sizes as people write them in settings (`15s`, `1MiB`), parsed by the `ms`
 * and `bytes` conventions; a bare number is milliseconds or bytes.
 */
import parseMs from "ms";

export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // `ms` accepts a unit-less "1.5" and negative values; a duration here needs a unit.
  if (!/^\d+(\.\d+)?\s*[a-z]+$/i.test(trimmed)) return undefined;
  const value = parseMs(trimmed as parseMs.StringValue);
  return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

const sizeUnits: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** `1MiB`, `512KiB`, `1048576`. kB and MB are read as binary units, like `bytes` does. */
export function parseSizeBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const factor = sizeUnits[(match[2] || "b").toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.floor(Number(match[1]) * factor);
}
