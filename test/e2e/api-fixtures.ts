/**
 * Shapes and small helpers the e2e suites share: typed API answers, problem+json checks and
 * waits on delivery state. Everything here talks to the real relay over HTTP.
 */
import { expect } from "bun:test";
import { Webhook } from "standardwebhooks";
import type { Relay } from "../support/relay.ts";
import type { ReceivedRequest } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const isoTime = () => expect.stringMatching(isoPattern);

/** A well-formed id that no relay has issued: a ULID of zeros after the prefix. */
export const unknownId = (prefix: "ep" | "evt" | "dlv") => `${prefix}_01JF3${"0".repeat(21)}`;

export interface Endpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  headers: Record<string, string>;
  signing: { scheme: string; options: Record<string, unknown> };
  transform: { plugin: string; options: Record<string, unknown> } | null;
  rateLimitPerSecond: number | null;
  failingSince: string | null;
  enabled: boolean;
  disabledReason: "api" | "gone" | null;
  secret?: string;
  createdAt: string;
  updatedAt: string;
}

export interface SecretState {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: string | null;
  previousSecrets: { secret: string; expiresAt: string }[];
}

export interface PublishAnswer {
  id: string;
  type: string;
  createdAt: string;
  deliveries: { id: string; endpointId: string; status: string }[];
}

export interface Attempt {
  id: string;
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: "timeout" | "connection_error" | "invalid_response" | null;
  retryAfterMs: number | null;
  responseBody: string | null;
  responseBodyTruncated: boolean;
}

export interface Delivery {
  id: string;
  eventId: string;
  endpointId: string;
  status: "pending" | "succeeded" | "dead" | "cancelled";
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  attempts?: Attempt[];
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export async function createEndpoint(
  relay: Relay,
  body: Partial<Endpoint> & { url: string },
): Promise<Endpoint & { secret: string }> {
  return relay.json("/v1/endpoints", { method: "POST", json: body });
}

export interface Published {
  status: number;
  replayed: string | null;
  body: PublishAnswer;
}

export async function publish(
  relay: Relay,
  event: { type: string; payload: unknown; id?: string },
  idempotencyKey?: string,
): Promise<Published> {
  const headers: Record<string, string> = {};
  if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
  const response = await relay.api("/v1/events", { method: "POST", json: event, headers });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`publish: ${response.status} ${text}`);
  return {
    status: response.status,
    replayed: response.headers.get("idempotent-replayed"),
    body: JSON.parse(text),
  };
}

export type DeliveryWithAttempts = Delivery & { attempts: Attempt[] };

export function getDelivery(relay: Relay, id: string): Promise<DeliveryWithAttempts> {
  return relay.json(`/v1/deliveries/${id}`);
}

/** Polls the delivery until it reaches `status`, then returns it with its attempts. */
export function waitForStatus(
  relay: Relay,
  id: string,
  status: Delivery["status"],
  timeoutMs = 8_000,
): Promise<DeliveryWithAttempts> {
  return waitFor(
    `delivery ${id} to be ${status}`,
    async () => {
      const delivery = await getDelivery(relay, id);
      return delivery.status === status ? delivery : undefined;
    },
    timeoutMs,
  );
}

/** Waits until the receiver holds at least `count` requests and returns them. */
export function waitForRequests(
  receiver: { requests: ReceivedRequest[] },
  count: number,
  what = `${count} request(s) at the receiver`,
  timeoutMs = 8_000,
): Promise<ReceivedRequest[]> {
  return waitFor(what, () => receiver.requests.length >= count && receiver.requests, timeoutMs);
}

/** The webhook-id of each request, in arrival order: hookrelay sends the event id there. */
export function webhookIds(requests: readonly ReceivedRequest[]): (string | undefined)[] {
  return requests.map((request) => request.headers["webhook-id"]);
}

export function verifySignature(secret: string, request: ReceivedRequest): unknown {
  return new Webhook(secret).verify(request.body, request.headers);
}

/** A secret no endpoint uses, to show that verification can fail. */
export function strangerSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`;
}

export interface ProblemExpectation {
  status: number;
  slug: string;
  field?: string | ReturnType<typeof expect.stringMatching>;
}

/** Asserts an RFC 9457 answer with our `urn:hookrelay:problem:` type and returns its body. */
export async function expectProblem(
  response: Response,
  expected: ProblemExpectation,
): Promise<Record<string, unknown>> {
  const text = await response.text();
  expect({ status: response.status, body: text }).toMatchObject({ status: expected.status });
  expect(response.headers.get("content-type") ?? "").toStartWith("application/problem+json");
  const problem = JSON.parse(text) as Record<string, unknown>;
  // A copy: bun 1.4.5's toMatchObject writes its asymmetric matchers into the received object.
  expect({ ...problem }).toMatchObject({
    type: `urn:hookrelay:problem:${expected.slug}`,
    title: expect.stringMatching(/\S/),
    status: expected.status,
  });
  if (expected.field !== undefined) {
    expect(problem.field).toEqual(expected.field);
    expect(problem.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: expected.field })]),
    );
  }
  return problem;
}

/** A promise the test resolves by hand: lets a receiver hold its answer until released. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
