/**
 * Request shapes, checked by Elysia before a handler runs. Unknown fields are refused
 * (`additionalProperties: false`), so a typo such as `eventType` is an error, not ignored.
 */
import { t } from "elysia";
import { validationError } from "../errors/hookrelay-error.ts";

const strict = { additionalProperties: false } as const;
const eventTypeText = "^[A-Za-z0-9_.:-]{1,255}$";

/**
 * An endpoint id given as a filter: `ep_` and a ULID (or `ep_operational`). A malformed one is
 * refused with 422, not answered with an empty result that looks like "nothing matched".
 */
const endpointIdFilter = t.String({ pattern: "^ep_[A-Za-z0-9_]{1,252}$" });
/** Event ids are `evt_…` or the `id` given at publish, so they share its pattern. */
const eventIdFilter = t.String({ pattern: eventTypeText });

export const idParam = t.Object({ id: t.String({ minLength: 1, maxLength: 255 }) });

export const pageQuery = {
  // A string, not t.Numeric: Elysia reports a failed numeric coercion without the field name.
  limit: t.Optional(t.String({ pattern: "^[0-9]{1,6}$" })),
  cursor: t.Optional(t.String({ minLength: 1, maxLength: 512 })),
};

export const endpointFields = {
  url: t.String({ minLength: 1, maxLength: 2048 }),
  description: t.String({ maxLength: 1024 }),
  eventTypes: t.Array(t.String({ minLength: 1, maxLength: 255 }), { maxItems: 100 }),
  secret: t.String({ minLength: 1, maxLength: 200 }),
  headers: t.Record(t.String({ minLength: 1, maxLength: 256 }), t.String({ maxLength: 4096 }), {
    maxProperties: 50,
  }),
  enabled: t.Boolean(),
  rateLimitPerSecond: t.Union([t.Integer({ minimum: 1, maximum: 100_000 }), t.Null()]),
  signing: t.Object(
    {
      scheme: t.String({ minLength: 1, maxLength: 64 }),
      options: t.Optional(t.Record(t.String(), t.Unknown())),
    },
    strict,
  ),
  transform: t.Union([
    t.Object(
      {
        plugin: t.String({ minLength: 1, maxLength: 64 }),
        options: t.Optional(t.Record(t.String(), t.Unknown())),
      },
      strict,
    ),
    t.Null(),
  ]),
};

export const createEndpointBody = t.Object(
  {
    url: endpointFields.url,
    description: t.Optional(endpointFields.description),
    eventTypes: t.Optional(endpointFields.eventTypes),
    secret: t.Optional(endpointFields.secret),
    headers: t.Optional(endpointFields.headers),
    enabled: t.Optional(endpointFields.enabled),
    rateLimitPerSecond: t.Optional(endpointFields.rateLimitPerSecond),
    signing: t.Optional(endpointFields.signing),
    transform: t.Optional(endpointFields.transform),
  },
  strict,
);

export const updateEndpointBody = t.Object(
  {
    url: t.Optional(endpointFields.url),
    description: t.Optional(endpointFields.description),
    eventTypes: t.Optional(endpointFields.eventTypes),
    headers: t.Optional(endpointFields.headers),
    enabled: t.Optional(endpointFields.enabled),
    rateLimitPerSecond: t.Optional(endpointFields.rateLimitPerSecond),
    signing: t.Optional(endpointFields.signing),
    transform: t.Optional(endpointFields.transform),
  },
  strict,
);

export const rotateSecretBody = t.Object(
  {
    secret: t.Optional(endpointFields.secret),
    overlapSeconds: t.Optional(t.Integer({ minimum: 0, maximum: 30 * 24 * 3600 })),
  },
  strict,
);

/** POST /v1/endpoints/:id/test: both optional; the default is a `hookrelay.test` event. */
export const testEventBody = t.Object(
  {
    type: t.Optional(t.String({ pattern: eventTypeText })),
    payload: t.Optional(t.Unknown()),
  },
  strict,
);

export const publishEventBody = t.Object(
  {
    type: t.String({ pattern: eventTypeText }),
    payload: t.Unknown(),
    id: t.Optional(t.String({ pattern: eventTypeText })),
  },
  strict,
);

export const listEventsQuery = t.Object(
  { ...pageQuery, type: t.Optional(t.String({ pattern: eventTypeText })) },
  strict,
);

export const deliveryStatusSchema = t.Union([
  t.Literal("pending"),
  t.Literal("succeeded"),
  t.Literal("dead"),
  t.Literal("cancelled"),
  t.Literal("skipped"),
]);

export const listDeliveriesQuery = t.Object(
  {
    ...pageQuery,
    status: t.Optional(deliveryStatusSchema),
    endpointId: t.Optional(endpointIdFilter),
    eventId: t.Optional(eventIdFilter),
  },
  strict,
);

export const listDeadLettersQuery = t.Object(
  { ...pageQuery, endpointId: t.Optional(endpointIdFilter) },
  strict,
);

export const replayBody = t.Object(
  {
    endpointId: t.Optional(endpointIdFilter),
    since: t.Optional(t.String({ format: "date-time" })),
    until: t.Optional(t.String({ format: "date-time" })),
  },
  strict,
);

export const emptyBody = t.Object({}, strict);

/** Page size from `?limit=`: 1 to 250, default 50. */
export function parseLimit(limit: string | undefined): number {
  if (limit === undefined) return 50;
  const value = Number(limit);
  if (value < 1 || value > 250) {
    throw validationError([{ field: "query:limit", message: "must be from 1 to 250" }]);
  }
  return value;
}
