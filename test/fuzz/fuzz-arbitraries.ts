/**
 * fast-check arbitraries for hostile HTTP input: request bodies that start from a valid shape
 * and break it (wrong types, unknown or missing fields, huge strings, invalid UTF-8, deep
 * nesting, duplicate keys), raw random bytes and JSON, path ids, query strings and headers.
 * Bodies are bytes, not objects, so what reaches the relay is exactly what was generated.
 */
import fc from "fast-check";

const encoder = new TextEncoder();

export interface GeneratedBody {
  /** How the body was made, for the report of a failing input. */
  form: string;
  bytes: Uint8Array;
}

/** Objects whose keys shadow what careless code calls on any value (`String(x)`, `x + ""`). */
const shadowingObject = fc.constantFrom<unknown>(
  { toString: false },
  { valueOf: null, toString: null },
  { toJSON: 1 },
  { constructor: "x", hasOwnProperty: 0 },
  JSON.parse('{"__proto__":{"polluted":true}}'),
);

/** Any JSON value; now and then one of the objects that trip careless code. */
export const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 9, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: shadowingObject },
);

export const trickyKey = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "", " ", "a.b", "$ref"),
  fc.string({ maxLength: 12 }),
);

const sizes = [256, 1_025, 4_097, 65_537, 1_100_000] as const;
const depths = [64, 127, 128, 1_000, 100_000] as const;

/** Byte sequences that are not UTF-8: a stray continuation, overlong forms, surrogates, … */
const invalidUtf8 = fc.constantFrom(
  [0xff],
  [0xfe, 0xff],
  [0x80],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
);

const marker = "\u0001FUZZ\u0001";
const markerJson = JSON.stringify(marker);

function bytesOf(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The JSON text of `value` with `field` set to a raw, possibly invalid, stretch of JSON. */
function spliceRaw(value: Record<string, unknown>, field: string, raw: Uint8Array): Uint8Array {
  const [before, after] = JSON.stringify({ ...value, [field]: marker }).split(markerJson);
  return Buffer.concat([bytesOf(before ?? ""), raw, bytesOf(after ?? "")]);
}

function nested(depth: number, kind: "array" | "object"): string {
  return kind === "array"
    ? "[".repeat(depth) + "]".repeat(depth)
    : '{"a":'.repeat(depth) + "0" + "}".repeat(depth);
}

/** `{…}` written by hand so one key appears twice, once with a random value. */
function withDuplicateKey(
  value: Record<string, unknown>,
  key: string,
  extra: unknown,
  first: boolean,
) {
  const entries = Object.entries(value).map(
    ([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`,
  );
  const duplicate = `${JSON.stringify(key)}:${JSON.stringify(extra ?? null)}`;
  return bytesOf(`{${(first ? [duplicate, ...entries] : [...entries, duplicate]).join(",")}}`);
}

/**
 * Bodies built around a valid shape: sent as is, with one field given a bad value of the
 * right type, or broken in one of many ways. `fields` names the fields the shape may have,
 * so wrong types and duplicates hit real fields.
 */
export function bodyFrom(set: {
  good: fc.Arbitrary<Record<string, unknown>>;
  bad: fc.Arbitrary<[string, unknown]>;
  names: readonly [string, ...string[]];
}): fc.Arbitrary<GeneratedBody> {
  const valid = set.good;
  const field = fc.constantFrom(...set.names);
  const form = (name: string, arb: fc.Arbitrary<Uint8Array>) =>
    arb.map((bytes): GeneratedBody => ({ form: name, bytes }));
  return fc.oneof(
    {
      weight: 5,
      arbitrary: form(
        "valid",
        valid.map((v) => bytesOf(JSON.stringify(v))),
      ),
    },
    {
      weight: 4,
      arbitrary: form(
        "bad value",
        fc.tuple(valid, set.bad).map(([v, [f, x]]) => bytesOf(JSON.stringify({ ...v, [f]: x }))),
      ),
    },
    {
      weight: 4,
      arbitrary: form(
        "wrong type",
        fc
          .tuple(valid, field, jsonValue)
          .map(([v, f, x]) => bytesOf(JSON.stringify({ ...v, [f]: x }))),
      ),
    },
    {
      weight: 2,
      arbitrary: form(
        "unknown field",
        fc
          .tuple(valid, trickyKey, jsonValue)
          .map(([v, k, x]) =>
            bytesOf(
              `${JSON.stringify(v).slice(0, -1)}${sep(v)}${JSON.stringify(
                k,
              )}:${JSON.stringify(x ?? null)}}`,
            ),
          ),
      ),
    },
    {
      weight: 1,
      arbitrary: form(
        "missing field",
        fc.tuple(valid, field).map(([v, f]) => {
          const { [f]: _dropped, ...rest } = v;
          return bytesOf(JSON.stringify(rest));
        }),
      ),
    },
    { weight: 2, arbitrary: form("random json", fc.json({ maxDepth: 4 }).map(bytesOf)) },
    {
      weight: 1,
      arbitrary: form(
        "huge string",
        fc
          .tuple(valid, field, fc.constantFrom(...sizes), fc.constantFrom("x", "é", "\u{1f600}"))
          .map(([v, f, n, c]) => bytesOf(JSON.stringify({ ...v, [f]: c.repeat(n) }))),
      ),
    },
    {
      weight: 1,
      arbitrary: form(
        "invalid utf-8",
        fc
          .tuple(valid, field, invalidUtf8, fc.string({ maxLength: 8 }))
          .map(([v, f, bad, s]) =>
            spliceRaw(v, f, Buffer.concat([bytesOf(`"${s}`), Buffer.from(bad), bytesOf('"')])),
          ),
      ),
    },
    {
      weight: 1,
      arbitrary: form(
        "deep nesting",
        fc
          .tuple(valid, field, fc.constantFrom(...depths), fc.constantFrom("array", "object"))
          .map(([v, f, d, k]) => spliceRaw(v, f, bytesOf(nested(d, k as "array" | "object")))),
      ),
    },
    {
      weight: 2,
      arbitrary: form(
        "duplicate key",
        fc
          .tuple(valid, field, jsonValue, fc.boolean())
          .map(([v, f, x, first]) => withDuplicateKey(v, f, x, first)),
      ),
    },
    { weight: 1, arbitrary: form("random bytes", fc.uint8Array({ maxLength: 256 })) },
    { weight: 1, arbitrary: form("empty", fc.constant(new Uint8Array())) },
  );
}

function sep(value: Record<string, unknown>): string {
  return Object.keys(value).length > 0 ? "," : "";
}

/** Content types: mostly JSON, sometimes not, sometimes nonsense or missing. */
export const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "application/merge-patch+json",
      "application/json; charset=latin1",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=fuzz",
      "application/jsonx",
      ";",
    ),
  },
  { weight: 1, arbitrary: printableAscii(0, 40) },
);

export function printableAscii(minLength: number, maxLength: number): fc.Arbitrary<string> {
  const unit = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
  return fc.string({ unit, minLength, maxLength });
}

/** Path ids: known ones, well-formed strangers, junk, over-long, encoded and odd bytes. */
export function pathId(known: string[]): fc.Arbitrary<string> {
  const raw = fc.oneof(
    fc.constantFrom("%00", "%zz", "%", "%2e%2e", "%2F", "a%2Fb", "..", ".", "%20", "%ff%fe"),
    fc.constantFrom("ep_", "evt_", "dlv_", "src_", "att_", "null", "0", "-1", "undefined"),
  );
  const encoded = fc
    .oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: "grapheme", maxLength: 20 }),
      fc.constantFrom("ep", "evt", "dlv", "src").map((p) => `${p}_01JF3${"0".repeat(21)}`),
      fc.integer({ min: 256, max: 2_000 }).map((n) => "a".repeat(n)),
    )
    .map(encodeURIComponent);
  const choices = [raw, encoded];
  if (known.length > 0) choices.push(fc.constantFrom(...known));
  return fc.oneof(...choices);
}

const queryValue = fc.oneof(
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.integer({ min: -5, max: 1_000_000 }).map(String),
  fc.constantFrom("", "0", "1", "250", "251", "1e3", "0x10", "%zz", "%", "NaN", "Infinity"),
  fc.constantFrom("pending", "succeeded", "dead", "cancelled", "skipped", "PENDING"),
  fc.string({ maxLength: 600 }).map((s) => encodeURIComponent(s.repeat(3))),
);

const base64url = (text: string) => Buffer.from(text).toString("base64url");
const cursorTime = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom("1e400", "-1e400", "1.5", "-1", "9007199254740993") },
  { weight: 1, arbitrary: fc.constant('"1"') },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
);
const cursorId = fc.oneof(
  fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
  fc.constant("1"),
);

/** Cursors: base64url of random JSON, of cursor-like objects with odd values, or junk. */
export const cursorValue = fc.oneof(
  { weight: 1, arbitrary: jsonValue.map((v) => base64url(JSON.stringify(v) ?? "null")) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(cursorTime, cursorId)
      .map(([at, id]) => base64url(`{"createdAt":${at},"id":${id}}`)),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent) },
);

/** `?a=b&…` with the route's own keys, random keys, repeated keys and bad escapes. */
export function queryString(keys: string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("limit", "cursor", ...keys) },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.constantFrom("%zz", "__proto__", "limit[]", "a[b]") },
  );
  const pair = fc.tuple(key, fc.oneof(queryValue, cursorValue)).map(([k, v]) => `${k}=${v}`);
  return fc
    .array(fc.oneof({ weight: 9, arbitrary: pair }, { weight: 1, arbitrary: key }), {
      maxLength: 5,
    })
    .map((pairs) => (pairs.length > 0 ? `?${pairs.join("&")}` : ""));
}

const headerName = fc.oneof(
  fc.constantFrom(
    "x-fuzz",
    "accept",
    "accept-encoding",
    "content-encoding",
    "x-forwarded-for",
    "origin",
    "cookie",
    "range",
    "if-none-match",
    "x-http-method-override",
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
);

/** Extra request headers; now and then a flood of them or one near the size caps. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 10, arbitrary: fc.dictionary(headerName, printableAscii(0, 60), { maxKeys: 4 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 90, max: 140 })
      .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-flood-${i}`, "1"]))),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(8_000, 15_000, 17_000)
      .map((n): Record<string, string> => ({ "x-big": "b".repeat(n) })),
  },
);

/** Authorization: the right token nearly always; missing, wrong or malformed otherwise. */
export function authorization(token: string): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 30, arbitrary: fc.constant(`Bearer ${token}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        undefined,
        "",
        "Bearer",
        "Bearer ",
        `bearer ${token}`,
        `Bearer ${token}x`,
        `Basic ${Buffer.from(`u:${token}`).toString("base64")}`,
        `Bearer ${"t".repeat(5_000)}`,
      ),
    },
  );
}
