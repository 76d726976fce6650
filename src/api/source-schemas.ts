/** Request shapes of /v1/sources. */
import { t } from "elysia";
import type { FieldError } from "../errors/hookrelay-error.ts";
import { endpointFields } from "./schemas.ts";
import { describeFieldValueProblem, describeUnicodeProblem } from "./text-rules.ts";

const strict = { additionalProperties: false } as const;

const sourceSecret = t.Union([
  t.String({ minLength: 1, maxLength: 4096 }),
  t.Object(
    {
      value: t.String({ minLength: 1, maxLength: 4096 }),
      expiresAt: t.Optional(t.String({ format: "date-time" })),
    },
    strict,
  ),
]);

const inlineDestination = t.Object(
  {
    url: endpointFields.url,
    description: t.Optional(endpointFields.description),
    eventTypes: t.Optional(endpointFields.eventTypes),
    headers: t.Optional(endpointFields.headers),
    signing: t.Optional(endpointFields.signing),
    transform: t.Optional(endpointFields.transform),
    secret: t.Optional(endpointFields.secret),
  },
  strict,
);

export const sourceFields = {
  name: t.String({ pattern: "^[a-z0-9][a-z0-9_-]{0,63}$" }),
  verifier: t.Object(
    {
      scheme: t.String({ minLength: 1, maxLength: 64 }),
      secrets: t.Optional(t.Array(sourceSecret, { maxItems: 20 })),
      options: t.Optional(t.Record(t.String(), t.Unknown())),
    },
    strict,
  ),
  destinations: t.Array(t.Union([t.String({ minLength: 1, maxLength: 255 }), inlineDestination]), {
    maxItems: 50,
  }),
  forwardHeaders: t.Array(t.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$" }), {
    maxItems: 50,
  }),
  response: t.Union([
    t.Object(
      {
        status: t.Integer({ minimum: 200, maximum: 299 }),
        body: t.Optional(t.String({ maxLength: 65536 })),
        contentType: t.Optional(t.String({ minLength: 1, maxLength: 255 })),
      },
      strict,
    ),
    t.Null(),
  ]),
  maxBodyBytes: t.Integer({ minimum: 1, maximum: 64 * 1024 * 1024 }),
  dedupeWindowSeconds: t.Integer({ minimum: 0, maximum: 90 * 24 * 3600 }),
};

export const createSourceBody = t.Object(
  {
    name: sourceFields.name,
    verifier: sourceFields.verifier,
    destinations: t.Optional(sourceFields.destinations),
    forwardHeaders: t.Optional(sourceFields.forwardHeaders),
    response: t.Optional(sourceFields.response),
    maxBodyBytes: t.Optional(sourceFields.maxBodyBytes),
    dedupeWindowSeconds: t.Optional(sourceFields.dedupeWindowSeconds),
  },
  strict,
);

export const updateSourceBody = t.Object(
  {
    name: t.Optional(sourceFields.name),
    verifier: t.Optional(sourceFields.verifier),
    destinations: t.Optional(sourceFields.destinations),
    forwardHeaders: t.Optional(sourceFields.forwardHeaders),
    response: t.Optional(sourceFields.response),
    maxBodyBytes: t.Optional(sourceFields.maxBodyBytes),
    dedupeWindowSeconds: t.Optional(sourceFields.dedupeWindowSeconds),
  },
  strict,
);

export type CreateSourceInput = (typeof createSourceBody)["static"];
export type UpdateSourceInput = (typeof updateSourceBody)["static"];
export type InlineDestination = (typeof inlineDestination)["static"];

/**
 * What the schema cannot say about a source's answer: its content type goes out as a header
 * on every ingest, after the event is stored, so a value a header cannot carry must be
 * refused here, not fail there. The body goes out as UTF-8; NUL in it is fine. A 204 or 205
 * answer has no body (RFC 9110 §15.3.5, §15.3.6; Fetch refuses to build one), so a body given
 * with either would be dropped without a word: refused instead.
 */
export function checkSourceResponse(response: CreateSourceInput["response"]): FieldError[] {
  const problems: FieldError[] = [];
  const contentType = response?.contentType;
  const typeProblem =
    contentType === undefined ? undefined : describeFieldValueProblem(contentType);
  if (typeProblem) problems.push({ field: "/response/contentType", message: typeProblem });
  const body = response?.body;
  const bodyProblem = body === undefined ? undefined : describeUnicodeProblem(body);
  if (bodyProblem) problems.push({ field: "/response/body", message: bodyProblem });
  else if (body && (response?.status === 204 || response?.status === 205)) {
    problems.push({
      field: "/response/body",
      message: `must be empty with status ${response.status}, which answers without a body`,
    });
  }
  return problems;
}
