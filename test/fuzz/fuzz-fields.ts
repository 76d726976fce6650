/**
 * Field values for each request body, in two kinds: good ones that src/api/schemas.ts,
 * src/api/source-schemas.ts and the endpoint checks accept, so valid bodies really succeed
 * and write rows, and bad ones of the right JSON type that a check must refuse (a blocked
 * URL, a reserved header, a malformed secret, an unknown plugin). Every URL a good body
 * carries is the loopback sink, so nothing the fuzz creates sends a request off this host.
 */
import fc from "fast-check";
import { jsonValue, printableAscii } from "./fuzz-arbitraries.ts";

export interface FieldSet {
  good: fc.Arbitrary<Record<string, unknown>>;
  /** One field and a value of plausible type that the relay must refuse. */
  bad: fc.Arbitrary<[string, unknown]>;
  names: readonly [string, ...string[]];
}

function badField(field: string, values: fc.Arbitrary<unknown>): fc.Arbitrary<[string, unknown]> {
  return values.map((value): [string, unknown] => [field, value]);
}

const blockedUrls = [
  "http://10.1.2.3/hooks",
  "http://192.168.0.1/",
  "http://169.254.169.254/latest/meta-data/",
  "http://[fc00::1]/",
  "http://0x0a000001/",
  "http://100.64.0.1/",
];
const invalidUrls = [
  "",
  "not a url",
  "ftp://127.0.0.1/",
  "javascript:alert(1)",
  "http://",
  "http://user:pw@127.0.0.1/",
  "//127.0.0.1/",
  "http://[::1",
  "http://127.0.0.1:99999/",
  "file:///etc/passwd",
  "data:,x",
];
const badUrl = fc.oneof(
  fc.constantFrom(...blockedUrls, ...invalidUrls),
  fc.string({ maxLength: 30 }),
  fc.constant(`http://127.0.0.1/${"x".repeat(2_100)}`),
);

function goodUrl(sinkUrl: string): fc.Arbitrary<string> {
  const port = new URL(sinkUrl).port;
  return fc.oneof(
    fc.constantFrom("", "/x", "?a=1", "/%7e", "#f").map((suffix) => sinkUrl + suffix),
    fc.constant(`http://localhost:${port}/hooks`),
  );
}

export const goodEventType = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.:-]{1,30}$/),
  fc.constantFrom("invoice.paid", "x".repeat(255)),
);
const badEventType = fc.oneof(
  fc.constantFrom("", " ", "a b", "x".repeat(256), "caf\u00e9", "a/b", "*"),
  fc.string({ maxLength: 12 }).filter((s) => !/^[A-Za-z0-9_.:-]{1,255}$/.test(s)),
);
const goodPattern = fc.oneof(
  fc.constantFrom("*", "invoice.*", "a.b", "*.paid"),
  fc.stringMatching(/^[a-z]{1,6}(\.[a-z]{1,6})?$/),
);
const badPattern = fc.constantFrom("**", ".", "a..b", "a b", "", "x".repeat(256));

const goodSecret = fc
  .uint8Array({ minLength: 24, maxLength: 64 })
  .map((b) => `whsec_${Buffer.from(b).toString("base64")}`);
const badSecret = fc.oneof(
  fc.constantFrom("", "whsec_", "whsec_!!!", "whsec_c2hvcnQ=", "sk_live_x", "x".repeat(201)),
  fc.string({ maxLength: 40 }),
);
const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,15}$/);
const goodHeaders = fc.dictionary(headerName, printableAscii(0, 30), { maxKeys: 3 });
const badHeaders = fc
  .oneof(
    fc.constantFrom("host", "content-length", "webhook-id", "Webhook-Signature", "user-agent"),
    fc.constantFrom("bad name", "x:y", "", "é"),
  )
  .map((name) => ({ [name]: "v" }));
const goodSigning = fc.constantFrom(
  { scheme: "standard-webhooks" },
  { scheme: "hmac" },
  { scheme: "hmac", options: { encoding: "base64", header: "x-sig" } },
);
const badSigning = fc.oneof(
  fc.constantFrom(
    { scheme: "hmac", options: { algorithm: "md5" } },
    { scheme: "hmac", options: { header: "bad header" } },
    { scheme: "no-such-scheme" },
    { scheme: "" },
  ),
  fc.record({
    scheme: fc.string({ maxLength: 70 }),
    options: fc.dictionary(fc.string(), jsonValue),
  }),
);
const goodTransform = fc.oneof(
  fc.constant(null),
  fc
    .constantFrom("$", "data", "$$.data", "$string($)")
    .map((expression) => ({ plugin: "jsonata", options: { expression } })),
);
const badTransform = fc.oneof(
  fc
    .constantFrom("(", "**", "", "x".repeat(20_001))
    .map((expression) => ({ plugin: "jsonata", options: { expression } })),
  fc.record({ plugin: fc.string({ maxLength: 70 }) }),
);

const endpointNames = [
  "url",
  "description",
  "eventTypes",
  "secret",
  "headers",
  "enabled",
  "signing",
  "transform",
] as const;

/** POST /v1/endpoints (`create`) and PATCH /v1/endpoints/:id, which has no `secret`. */
export function endpointFields(sinkUrl: string, create: boolean): FieldSet {
  const optional = {
    description: fc.string({ maxLength: 40 }),
    eventTypes: fc.array(goodPattern, { maxLength: 3 }),
    headers: goodHeaders,
    enabled: fc.boolean(),
    signing: goodSigning,
    transform: goodTransform,
  };
  const good = create
    ? fc.record(
        { url: goodUrl(sinkUrl), secret: goodSecret, ...optional },
        { requiredKeys: ["url"] },
      )
    : fc.record({ url: goodUrl(sinkUrl), ...optional }, { requiredKeys: [] });
  const bad = fc.oneof(
    badField("url", badUrl),
    badField("description", fc.constant("d".repeat(1_025))),
    badField("eventTypes", fc.array(badPattern, { minLength: 1, maxLength: 2 })),
    badField("secret", badSecret),
    badField("headers", badHeaders),
    badField("headers", fc.constant({ "x-crlf": "a\r\nInjected: 1" })),
    badField("signing", badSigning),
    badField("transform", badTransform),
  );
  return { good, bad, names: endpointNames };
}

export function rotateFields(): FieldSet {
  const overlap = fc.integer({ min: 0, max: 30 * 24 * 3600 });
  return {
    good: fc.record({ secret: goodSecret, overlapSeconds: overlap }, { requiredKeys: [] }),
    bad: fc.oneof(
      badField("secret", badSecret),
      badField("overlapSeconds", fc.constantFrom(-1, 1.5, 30 * 24 * 3600 + 1, 1e308)),
    ),
    names: ["secret", "overlapSeconds"],
  };
}

export function publishFields(): FieldSet {
  return {
    good: fc.record(
      {
        type: goodEventType,
        payload: jsonValue,
        id: fc.oneof(fc.constantFrom("fuzz-evt-1", "fuzz-evt-2"), goodEventType),
      },
      { requiredKeys: ["type", "payload"] },
    ),
    bad: fc.oneof(badField("type", badEventType), badField("id", badEventType)),
    names: ["type", "payload", "id"],
  };
}

const goodTime = fc
  .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
  .map((d) => d.toISOString());
const badTime = fc.constantFrom("2020-13-45T99:99:99Z", "yesterday", "2026-01-01", "", "0");

export function replayFields(endpointIds: string[]): FieldSet {
  return {
    good: fc.record(
      { endpointId: fc.constantFrom(...endpointIds), since: goodTime, until: goodTime },
      { requiredKeys: [] },
    ),
    bad: fc.oneof(
      badField("since", badTime),
      badField("until", badTime),
      badField("endpointId", fc.constantFrom("", "x".repeat(256))),
    ),
    names: ["endpointId", "since", "until"],
  };
}

const sourceNames = [
  "name",
  "verifier",
  "destinations",
  "forwardHeaders",
  "response",
  "maxBodyBytes",
  "dedupeWindowSeconds",
] as const;

/** POST /v1/sources (`create`) and PATCH /v1/sources/:id. */
export function sourceFields(
  targets: { sinkUrl: string; fanOutEndpointId: string },
  create: boolean,
): FieldSet {
  const inline = fc.record(
    { url: goodUrl(targets.sinkUrl), eventTypes: fc.array(goodPattern, { maxLength: 2 }) },
    { requiredKeys: ["url"] },
  );
  const goodVerifier = fc.oneof(
    fc.constant({ scheme: "none" }),
    fc.record({
      scheme: fc.constantFrom("hmac", "token"),
      secrets: fc.array(fc.string({ minLength: 8, maxLength: 40 }), {
        minLength: 1,
        maxLength: 2,
      }),
    }),
  );
  const shape = {
    name: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,12}$/).map((n) => `f${n}`),
    verifier: goodVerifier,
    destinations: fc.array(fc.oneof(fc.constant(targets.fanOutEndpointId), inline), {
      maxLength: 3,
    }),
    forwardHeaders: fc.array(fc.constantFrom("x-request-id", "user-agent", "x-github-event"), {
      maxLength: 3,
    }),
    response: fc.oneof(
      fc.constant(null),
      fc.record({ status: fc.integer({ min: 200, max: 299 }), body: fc.string() }),
    ),
    maxBodyBytes: fc.integer({ min: 1, max: 64 * 1024 * 1024 }),
    dedupeWindowSeconds: fc.integer({ min: 0, max: 90 * 24 * 3600 }),
  };
  const required: ("name" | "verifier")[] = create ? ["name", "verifier"] : [];
  const bad = fc.oneof(
    badField("name", fc.constantFrom("fz-none", "A", "-x", "x".repeat(65), "a b", "")),
    badField(
      "verifier",
      fc.constantFrom(
        { scheme: "hmac" },
        { scheme: "no-such-verifier" },
        { scheme: "stripe", secrets: [{ value: "whsec_x", expiresAt: "never" }] },
      ),
    ),
    // A valid inline destination next to an invalid one: neither may be left behind.
    badField(
      "destinations",
      inline.map((ok) => [ok, { url: "http://10.0.0.1/" }]),
    ),
    badField("destinations", fc.constantFrom(["ep_01JF3000000000000000000000"], ["x"])),
    badField("forwardHeaders", fc.constantFrom(["bad header"], [""], ["x".repeat(129)])),
    badField("response", fc.constantFrom({ status: 199 }, { status: 300 }, { status: 200.5 })),
    badField("maxBodyBytes", fc.constantFrom(0, -1, 64 * 1024 * 1024 + 1)),
    badField("dedupeWindowSeconds", fc.constantFrom(-1, 90 * 24 * 3600 + 1)),
  );
  return { good: fc.record(shape, { requiredKeys: required }), bad, names: sourceNames };
}

/** POST /v1/tokens. */
export function tokenFields(): FieldSet {
  const scopes = ["admin", "publish", "read"];
  return {
    good: fc.record({
      name: fc.string({ minLength: 1, maxLength: 100 }),
      scopes: fc.subarray(scopes, { minLength: 1 }),
    }),
    bad: fc.oneof(
      badField("name", fc.constantFrom("", "n".repeat(101))),
      badField(
        "scopes",
        fc.constantFrom([], ["root"], ["read", "read"], [...scopes, "admin"], ["ADMIN"]),
      ),
    ),
    names: ["name", "scopes"],
  };
}
