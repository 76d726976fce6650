/**
 * /v1/sources: create, read, list, change and delete inbound sources. A source's inline
 * destinations are endpoints that live and die with it, and its name is its ingest URL.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { sign as signGithub } from "@octokit/webhooks-methods";
import type { Receiver } from "../support/receiver.ts";
import { startReceiver } from "../support/receiver.ts";
import {
  createSource,
  githubHeaders,
  ingest,
  ingestAccepted,
  signedGithubRequest,
  type Source,
  uniqueSourceName,
} from "../fixtures/inbound/inbound-fixtures.ts";
import {
  createEndpoint,
  type Endpoint,
  expectProblem,
  isoTime,
  type Page,
} from "./api-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const secret = "sources-github-secret-0001";
const github = { scheme: "github", secrets: [secret] };

const { relay, receivers } = relayPerFile();
let receiver: Receiver;

beforeAll(() => {
  receiver = startReceiver();
  receivers.push(receiver);
});

const post = (json: unknown) => relay.api("/v1/sources", { method: "POST", json });
const patch = (id: string, json: unknown) =>
  relay.api(`/v1/sources/${id}`, { method: "PATCH", json });

async function signedPing(name: string) {
  const body = '{"zen":"Keep it logically awesome."}';
  return ingest(relay, name, await signedGithubRequest(secret, "ping", body));
}

describe("creating and reading sources", () => {
  test("creates a source with its defaults and shows its secrets in full once", async () => {
    const name = uniqueSourceName("gh");
    const expiresAt = "2030-01-01T00:00:00.000Z";
    const response = await post({
      name,
      verifier: { scheme: "github", secrets: [secret, { value: "next-secret-0002", expiresAt }] },
      destinations: [{ url: receiver.url }],
    });

    expect(response.status).toBe(201);
    const created = (await response.json()) as Source;
    expect(created).toEqual({
      id: expect.stringMatching(/^src_/),
      name,
      ingestPath: `/in/${name}`,
      verifier: {
        scheme: "github",
        options: {},
        secrets: [
          { value: secret, expiresAt: null },
          { value: "next-secret-0002", expiresAt },
        ],
      },
      destinations: [expect.stringMatching(/^ep_/)],
      forwardHeaders: [],
      response: null,
      maxBodyBytes: 1024 * 1024,
      dedupeWindowSeconds: 86_400,
      createdAt: isoTime(),
      updatedAt: isoTime(),
    });
    const redacted = [
      { value: "…0001", expiresAt: null },
      { value: "…0002", expiresAt },
    ];
    const shown: Source = await relay.json(`/v1/sources/${created.id}`);
    expect(shown).toEqual({ ...created, verifier: { ...created.verifier, secrets: redacted } });
    const listed: Page<Source> = await relay.json("/v1/sources?limit=250");
    const inList = listed.data.find((s) => s.id === created.id);
    expect(inList?.verifier.secrets).toEqual(redacted);
  }, 30_000);

  test("makes an inline destination an endpoint with the given url and filters", async () => {
    const source = await createSource(relay, {
      name: uniqueSourceName("inline"),
      verifier: github,
      destinations: [{ url: receiver.url, eventTypes: ["push"], headers: { "x-team": "a" } }],
    });
    const endpoint: Endpoint = await relay.json(`/v1/endpoints/${source.destinations[0]}`);

    expect(endpoint).toMatchObject({
      url: receiver.url,
      eventTypes: ["push"],
      headers: { "x-team": "a" },
      signing: { scheme: "standard-webhooks", options: {} },
      enabled: true,
    });
  }, 30_000);

  test("pages through sources with a cursor", async () => {
    for (let i = 0; i < 3; i++) {
      await createSource(relay, { name: uniqueSourceName("page"), verifier: github });
    }
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const after = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page: Page<Source> = await relay.json(`/v1/sources?limit=2${after}`);
      expect(page.data.length).toBeLessThanOrEqual(2);
      for (const source of page.data) {
        expect(seen.has(source.id)).toBe(false);
        seen.add(source.id);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBeGreaterThanOrEqual(3);
  }, 30_000);

  test("needs the API token to manage sources, but not to ingest", async () => {
    const source = await createSource(relay, { name: uniqueSourceName("auth"), verifier: github });
    const anonymous = await fetch(`${relay.url}/v1/sources`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "sneaky", verifier: github }),
    });

    await expectProblem(anonymous, { status: 401, slug: "unauthorized" });
    expect((await signedPing(source.name)).status).toBe(202);
  }, 30_000);

  test("answers 404 for a source that does not exist", async () => {
    const missing = "src_01JF3000000000000000000000";
    await expectProblem(await relay.api(`/v1/sources/${missing}`), {
      status: 404,
      slug: "not-found",
    });
    await expectProblem(await patch(missing, { forwardHeaders: [] }), {
      status: 404,
      slug: "not-found",
    });
    await expectProblem(await relay.api(`/v1/sources/${missing}`, { method: "DELETE" }), {
      status: 404,
      slug: "not-found",
    });
  }, 30_000);
});

describe("changing and deleting sources", () => {
  test("renames a source, which moves its ingest URL", async () => {
    const source = await createSource(relay, { name: uniqueSourceName("old"), verifier: github });
    const renamed = uniqueSourceName("new");
    const changed: Source = await relay.json(`/v1/sources/${source.id}`, {
      method: "PATCH",
      json: { name: renamed },
    });

    expect(changed).toMatchObject({ id: source.id, name: renamed, ingestPath: `/in/${renamed}` });
    await expectProblem(await signedPing(source.name), { status: 404, slug: "not-found" });
    expect((await signedPing(renamed)).status).toBe(202);
  }, 30_000);

  test("refuses renaming onto another source's name", async () => {
    const taken = await createSource(relay, { name: uniqueSourceName("taken"), verifier: github });
    const other = await createSource(relay, { name: uniqueSourceName("other"), verifier: github });
    await expectProblem(await patch(other.id, { name: taken.name }), {
      status: 422,
      slug: "validation-failed",
      field: "/name",
    });
  }, 30_000);

  test("changes the body cap and the dedupe window", async () => {
    const source = await createSource(relay, { name: uniqueSourceName("caps"), verifier: github });
    const changed: Source = await relay.json(`/v1/sources/${source.id}`, {
      method: "PATCH",
      json: { maxBodyBytes: 10, dedupeWindowSeconds: 60 },
    });

    expect(changed).toMatchObject({ maxBodyBytes: 10, dedupeWindowSeconds: 60 });
    await expectProblem(await signedPing(source.name), { status: 413, slug: "payload-too-large" });
  }, 30_000);

  test("deletes a source, its inline destinations, and frees its name", async () => {
    const kept = await createEndpoint(relay, { url: receiver.url });
    const source = await createSource(relay, {
      name: uniqueSourceName("gone"),
      verifier: github,
      destinations: [{ url: receiver.url }, kept.id],
    });
    const [inline] = source.destinations;
    const response = await relay.api(`/v1/sources/${source.id}`, { method: "DELETE" });

    expect(response.status).toBe(204);
    await expectProblem(await relay.api(`/v1/sources/${source.id}`), {
      status: 404,
      slug: "not-found",
    });
    await expectProblem(await relay.api(`/v1/endpoints/${inline}`), {
      status: 404,
      slug: "not-found",
    });
    expect((await relay.api(`/v1/endpoints/${kept.id}`)).status).toBe(200);
    await expectProblem(await signedPing(source.name), { status: 404, slug: "not-found" });
    const again = await createSource(relay, { name: source.name, verifier: github });
    expect(again.id).not.toBe(source.id);
    await ingestAccepted(relay, again.name, {
      body: "{}",
      headers: githubHeaders("ping", crypto.randomUUID(), await signGithub(secret, "{}")),
    });
  }, 30_000);

  test("deletes the inline destinations a PATCH of destinations drops", async () => {
    const source = await createSource(relay, {
      name: uniqueSourceName("swap"),
      verifier: github,
      destinations: [{ url: receiver.url }],
    });
    const [dropped] = source.destinations;
    const changed: Source = await relay.json(`/v1/sources/${source.id}`, {
      method: "PATCH",
      json: { destinations: [{ url: receiver.url, eventTypes: ["push"] }] },
    });

    expect(changed.destinations).toHaveLength(1);
    expect(changed.destinations[0]).not.toBe(dropped as string);
    await expectProblem(await relay.api(`/v1/endpoints/${dropped}`), {
      status: 404,
      slug: "not-found",
    });
  }, 30_000);

  test("changes verifier options without repeating the secrets", async () => {
    const source = await createSource(relay, {
      name: uniqueSourceName("opts"),
      verifier: { scheme: "stripe", secrets: ["whsec_options_only_0001"] },
    });
    const changed: Source = await relay.json(`/v1/sources/${source.id}`, {
      method: "PATCH",
      json: { verifier: { scheme: "stripe", options: { toleranceSeconds: 60 } } },
    });

    expect(changed.verifier).toEqual({
      scheme: "stripe",
      options: { toleranceSeconds: 60 },
      secrets: [{ value: "…0001", expiresAt: null }],
    });
  }, 30_000);
});
