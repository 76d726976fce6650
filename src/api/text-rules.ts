/**
 * Rules for text the relay keeps in a TEXT column or sends as an HTTP header, checked where
 * the text comes in (the API and hookrelay.toml) so that nothing is accepted that later reads
 * back cut short or fails when it is used.
 */

// RFC 9110 §5.5: a field value is visible characters, spaces and tabs. obs-text (bytes
// 0x80-0xFF) is allowed there only for old senders; we are strict and take ASCII.
const fieldValueRule = /^[\t\x20-\x7e]*$/;

/** Why `value` cannot be sent as an HTTP header value (CR, LF, NUL, non-ASCII). */
export function describeFieldValueProblem(value: string): string | undefined {
  if (fieldValueRule.test(value)) return undefined;
  return "must be visible ASCII, spaces and tabs (an HTTP field value, RFC 9110 §5.5)";
}

/**
 * Why `value` would not read back as written from a TEXT column: SQLite hands text back up
 * to the first U+0000, and a lone UTF-16 surrogate has no UTF-8 form (it would come back as
 * U+FFFD). JSON columns are not affected; JSON escapes both.
 */
export function describeStoredTextProblem(value: string): string | undefined {
  if (value.includes("\0")) return "must not contain U+0000 (NUL)";
  return describeUnicodeProblem(value);
}

/** Why `value` has no UTF-8 form: a lone surrogate (`\uD800` without its pair). */
export function describeUnicodeProblem(value: string): string | undefined {
  // With the u flag a regular expression sees code points, so \p{Cs} matches lone halves only.
  if (/\p{Cs}/u.test(value)) return "must not contain a lone UTF-16 surrogate";
  return undefined;
}
