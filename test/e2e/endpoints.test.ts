/** Endpoint management over the real HTTP API: create, read, update, delete, secrets. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import {
  type Endpoint,
  type Page,
  type SecretState,
  createEndpoint,
  expectProblem,
  getDelivery,
  isoTime,
  publish,
  strangerSecret,
  unknownId,
  verifySignature,
  waitForRequests,
} from "./api-fixtures.ts";

const exampleUrl = "http://127.0.0.1:9/hooks";
const secretOf = (bytes: number, fill = 7) =>
  `whsec_${Buffer.from(new Uint8Array(bytes).fill(fill)).toString("base64")}`;
/** Puts the retry a minute away, so a delivery stays pending for the whole test. */
const later = { "retry-after": "60" };
const withoutSecret = ({ secret: _secret, ...rest }: Endpoint) => rest;

describe("endpoint records", () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay.stop());

  test("creates an endpoint with an ep_ id, defaults and a generated whsec_ secret", async () => {
    const response = await relay.api("/v1/endpoints", {
      method: "POST",
      json: { url: exampleUrl },
    });
    expect(response.status).toBe(201);
    const endpoint = (await response.json()) as Endpoint;
    expect(endpoint).toEqual({
      id: expect.stringMatching(/^ep_[0-9A-Za-z]+$/),
      url: exampleUrl,
      description: "",
      eventTypes: [],
      headers: {},
      signing: { scheme: "standard-webhooks", options: {} },
      transform: null,
      rateLimitPerSecond: null,
      enabled: true,
      disabledReason: null,
      failingSince: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+={0,2}$/),
      createdAt: isoTime(),
      updatedAt: isoTime(),
    });
    const keyBytes = Buffer.from(endpoint.secret!.slice("whsec_".length), "base64").length;
    expect(keyBytes).toBeGreaterThanOrEqual(24);
    expect(keyBytes).toBeLessThanOrEqual(64);
  });

  test("keeps a supplied valid secret and every supplied field", async () => {
    const secret = secretOf(32);
    const body = {
      url: exampleUrl,
      description: "billing",
      eventTypes: ["invoice.*"],
      headers: { "x-tenant": "acme" },
      enabled: false,
      secret,
    };
    const endpoint = await createEndpoint(relay, body);
    expect(endpoint).toMatchObject(body);
  });

  test.each([
    ["without the whsec_ prefix", Buffer.alloc(32, 1).toString("base64")],
    ["with a key under 24 bytes", secretOf(16)],
    ["with a key over 64 bytes", secretOf(65)],
    ["that is not base64", "whsec_not*base64!"],
  ])("refuses a secret %s with 422 at /secret", async (_label, secret) => {
    const response = await relay.api("/v1/endpoints", {
      method: "POST",
      json: { url: exampleUrl, secret },
    });
    await expectProblem(response, { status: 422, slug: "validation-failed", field: "/secret" });
  });

  test("gets an endpoint without its secret", async () => {
    const created = await createEndpoint(relay, { url: exampleUrl, description: "get me" });
    const fetched = await relay.json<Endpoint>(`/v1/endpoints/${created.id}`);
    expect(fetched).toEqual(withoutSecret(created));
  });

  test("lists endpoints without their secrets", async () => {
    const created = await createEndpoint(relay, { url: exampleUrl, description: "listed" });
    const page = await relay.json<Page<Endpoint>>("/v1/endpoints?limit=250");
    const listed = page.data.find((endpoint) => endpoint.id === created.id);
    expect(listed).toEqual(withoutSecret(created));
    expect(page.data.filter((endpoint) => "secret" in endpoint)).toEqual([]);
  });

  test("patches the given fields and leaves the others", async () => {
    const created = await createEndpoint(relay, { url: exampleUrl, description: "before" });
    const patch = {
      url: "http://127.0.0.1:10/other",
      description: "after",
      eventTypes: ["customer.created"],
      headers: { "x-team": "core" },
    };
    const patched = await relay.json<Endpoint>(`/v1/endpoints/${created.id}`, {
      method: "PATCH",
      json: patch,
    });
    expect(patched).toEqual({ ...withoutSecret(created), ...patch, updatedAt: isoTime() });
    expect(await relay.json(`/v1/endpoints/${created.id}`)).toEqual(patched);
  });

  test("records disabledReason api on PATCH disable and clears it on re-enable", async () => {
    const created = await createEndpoint(relay, { url: exampleUrl });
    const path = `/v1/endpoints/${created.id}`;
    const disabled = await relay.json(path, { method: "PATCH", json: { enabled: false } });
    expect(disabled).toMatchObject({ enabled: false, disabledReason: "api" });
    const enabled = await relay.json(path, { method: "PATCH", json: { enabled: true } });
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null });
  });

  test("deletes an endpoint with 204, after which it is not found", async () => {
    const created = await createEndpoint(relay, { url: exampleUrl });
    const path = `/v1/endpoints/${created.id}`;
    const deleted = await relay.api(path, { method: "DELETE" });
    const answer = { status: deleted.status, body: await deleted.text() };
    expect(answer).toEqual({ status: 204, body: "" });
    await expectProblem(await relay.api(path), { status: 404, slug: "not-found" });
    await expectProblem(await relay.api(path, { method: "DELETE" }), {
      status: 404,
      slug: "not-found",
    });
    const page = await relay.json<Page<Endpoint>>("/v1/endpoints?limit=250");
    expect(page.data.map((endpoint) => endpoint.id)).not.toContain(created.id);
  });

  test("cancels the pending deliveries of a deleted endpoint", async () => {
    using receiver = startReceiver(() => new Response("", { status: 503, headers: later }));
    const created = await createEndpoint(relay, { url: receiver.url, eventTypes: ["doomed"] });
    const event = await publish(relay, { type: "doomed", payload: {} });
    const deliveryId = event.body.deliveries.find((d) => d.endpointId === created.id)!.id;
    await waitFor("the first attempt", async () => {
      const delivery = await getDelivery(relay, deliveryId);
      return delivery.attemptCount === 1 && delivery.status === "pending";
    });
    await relay.json(`/v1/endpoints/${created.id}`, { method: "DELETE" });
    expect(await getDelivery(relay, deliveryId)).toMatchObject({
      status: "cancelled",
      attemptCount: 1,
    });
    expect(receiver.requests).toHaveLength(1);
  });

  test("answers 404 for a well-formed id that no endpoint has", async () => {
    await expectProblem(await relay.api(`/v1/endpoints/${unknownId("ep")}`), {
      status: 404,
      slug: "not-found",
    });
  });

  test("answers the secret route with the current secret and no previous one", async () => {
    const secret = secretOf(24, 3);
    const created = await createEndpoint(relay, { url: exampleUrl, secret });
    expect(await relay.json(`/v1/endpoints/${created.id}/secret`)).toEqual({
      secret,
      previousSecret: null,
      previousSecretExpiresAt: null,
      previousSecrets: [],
    });
  });

  test("rotates to a supplied secret and keeps the old one for the default 24 h", async () => {
    const created = await createEndpoint(relay, { url: exampleUrl });
    const next = secretOf(40, 9);
    const before = Date.now();
    const response = await relay.api(`/v1/endpoints/${created.id}/rotate-secret`, {
      method: "POST",
      json: { secret: next },
    });
    expect(response.status).toBe(200);
    const rotated = (await response.json()) as SecretState;
    expect(rotated).toEqual({
      secret: next,
      previousSecret: created.secret,
      previousSecretExpiresAt: isoTime(),
      previousSecrets: [{ secret: created.secret, expiresAt: isoTime() }],
    });
    const overlapMs = Date.parse(rotated.previousSecretExpiresAt!) - before;
    expect(Math.abs(overlapMs - 24 * 3600_000)).toBeLessThan(60_000);
    expect(await relay.json(`/v1/endpoints/${created.id}/secret`)).toEqual(rotated);
  });

  test("rotates to a generated secret when none is supplied", async () => {
    const created = await createEndpoint(relay, { url: exampleUrl });
    const rotated = await relay.json<SecretState>(`/v1/endpoints/${created.id}/rotate-secret`, {
      method: "POST",
      json: { overlapSeconds: 60 },
    });
    expect(rotated).toEqual({
      secret: expect.stringMatching(/^whsec_/),
      previousSecret: created.secret,
      previousSecretExpiresAt: isoTime(),
      previousSecrets: [{ secret: created.secret, expiresAt: isoTime() }],
    });
    expect(rotated.secret).not.toBe(created.secret);
  });
});

describe("secret rotation on the wire", () => {
  test("signs with the old and the new secret during the overlap", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver();
    const endpoint = await createEndpoint(relay, { url: receiver.url });
    const rotated = await relay.json<SecretState>(`/v1/endpoints/${endpoint.id}/rotate-secret`, {
      method: "POST",
      json: { overlapSeconds: 3600 },
    });
    await publish(relay, { type: "rotation.check", payload: { n: 1 } });
    const [request] = await waitForRequests(receiver, 1);
    const signatures = request!.headers["webhook-signature"]!.split(" ");
    expect(signatures).toEqual([
      expect.stringMatching(/^v1,[A-Za-z0-9+/]+={0,2}$/),
      expect.stringMatching(/^v1,[A-Za-z0-9+/]+={0,2}$/),
    ]);
    const envelope = expect.objectContaining({ type: "rotation.check", data: { n: 1 } });
    expect(verifySignature(endpoint.secret, request!)).toEqual(envelope);
    expect(verifySignature(rotated.secret, request!)).toEqual(envelope);
    expect(() => verifySignature(strangerSecret(), request!)).toThrow();
  });

  test("signs with the new secret only once the overlap has ended", async () => {
    await using relay = await startRelay();
    using receiver = startReceiver();
    const endpoint = await createEndpoint(relay, { url: receiver.url });
    const rotated = await relay.json<SecretState>(`/v1/endpoints/${endpoint.id}/rotate-secret`, {
      method: "POST",
      json: { overlapSeconds: 1 },
    });
    const expiresAt = Date.parse(rotated.previousSecretExpiresAt!);
    await waitFor("the overlap to end", () => Date.now() > expiresAt + 50, 3_000);
    await publish(relay, { type: "rotation.after", payload: {} });
    const [request] = await waitForRequests(receiver, 1);
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(verifySignature(rotated.secret, request!)).toMatchObject({ type: "rotation.after" });
    expect(() => verifySignature(endpoint.secret, request!)).toThrow();
  });
});

describe("endpoint pagination", () => {
  test("walks every endpoint one page at a time with limit=1 and nextCursor", async () => {
    await using relay = await startRelay();
    const created: string[] = [];
    for (let index = 0; index < 4; index++) {
      created.push((await createEndpoint(relay, { url: `${exampleUrl}/${index}` })).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const query: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
      const page: Page<Endpoint> = await relay.json(`/v1/endpoints?limit=1${query}`);
      expect(page.data).toHaveLength(seen.length < created.length ? 1 : 0);
      seen.push(...page.data.map((endpoint) => endpoint.id));
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    expect(seen.toSorted()).toEqual(created.toSorted());
  });
});
