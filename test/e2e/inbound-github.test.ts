/**
 * GitHub through the relay: every real example payload of @octokit/webhooks-examples, signed
 * the GitHub way, verified by the relay, and verified again downstream, after the hop, with
 * the ORIGINAL X-Hub-Signature-256 and @octokit/webhooks-methods. Also the form-encoded
 * delivery, routing on X-GitHub-Event, dedupe on X-GitHub-Delivery and secret rotation.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { verify as verifyGithub } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import type { Receiver } from "../support/receiver.ts";
import { startReceiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import {
  arrivalsOf,
  countEvents,
  createPipe,
  createSource,
  expectSignatureRejected,
  type GithubExample,
  type InboundEvent,
  ingest,
  ingestAccepted,
  listAllEvents,
  loadGithubExamples,
  sha256Hex,
  signedGithubRequest,
  uniqueSourceName,
  waitForArrival,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { type Delivery, waitForStatus } from "./api-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const secret = "It's a Secret to Everybody";

const { relay, receivers } = relayPerFile();
let examples: GithubExample[];

beforeAll(async () => {
  examples = await loadGithubExamples();
});

const githubType = ({ event, action }: GithubExample) => (action ? `${event}.${action}` : event);

function exampleOf(event: string, action?: string): GithubExample {
  const found = examples.find((e) => e.event === event && (!action || e.action === action));
  if (!found) throw new Error(`no ${event}.${action} example`);
  return found;
}

describe("real GitHub deliveries", () => {
  test("forwards every example byte-exact with GitHub's own signature intact", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "github", secrets: [secret] },
    });
    expect(examples.length).toBeGreaterThan(300);
    const sent: { example: GithubExample; body: string; eventId: string; sig: string }[] = [];
    const batchSize = 16;
    for (let start = 0; start < examples.length; start += batchSize) {
      const batch = examples.slice(start, start + batchSize);
      await Promise.all(
        batch.map(async (example) => {
          const body = JSON.stringify(example.payload);
          const request = await signedGithubRequest(secret, example.event, body);
          const { eventId } = await ingestAccepted(relay, pipe.source.name, request);
          sent.push({ example, body, eventId, sig: request.headers["x-hub-signature-256"] ?? "" });
        }),
      );
    }

    await waitFor(
      "every example at the destination",
      () => sent.every(({ eventId }) => arrivalsOf(pipe.receiver, eventId).length > 0),
      30_000,
    );
    for (const { example, body, eventId, sig } of sent) {
      const [arrived] = arrivalsOf(pipe.receiver, eventId);
      if (!arrived) throw new Error(`event ${eventId} did not arrive`);
      expect(sha256Hex(arrived.bodyBytes)).toBe(sha256Hex(body));
      expect(arrived.headers["content-type"]).toBe("application/json");
      expect(arrived.headers["x-github-event"]).toBe(example.event);
      expect(arrived.headers["x-hub-signature-256"]).toBe(sig);
      expect(await verifyGithub(secret, arrived.body, sig)).toBe(true);
      // hookrelay's own Standard Webhooks signature comes along, over the same bytes.
      expect(() =>
        new Webhook(pipe.destinationSecret).verify(arrived.body, arrived.headers),
      ).not.toThrow();
    }
    const [first] = sent;
    const firstArrival = first && arrivalsOf(pipe.receiver, first.eventId)[0];
    expect(await verifyGithub("another secret", firstArrival?.body ?? "x", first?.sig ?? "")).toBe(
      false,
    );
  }, 60_000);

  test("lists each delivery as an event of its source, typed event.action", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "github", secrets: [secret] },
    });
    const chosen = [exampleOf("issues", "opened"), exampleOf("push"), exampleOf("star")];
    const ids = new Map<string, GithubExample>();
    for (const example of chosen) {
      const request = await signedGithubRequest(
        secret,
        example.event,
        JSON.stringify(example.payload),
      );
      ids.set((await ingestAccepted(relay, pipe.source.name, request)).eventId, example);
    }

    const listed = (await listAllEvents(relay)).filter((e) => ids.has(e.id));
    expect(listed).toHaveLength(chosen.length);
    for (const event of listed) {
      const example = ids.get(event.id) as GithubExample;
      expect(event).toEqual({
        id: event.id,
        type: githubType(example),
        sourceId: pipe.source.id,
        contentType: "application/json",
        payload: example.payload,
        createdAt: expect.any(String),
      });
    }
    const typed: { data: InboundEvent[] } = await relay.json("/v1/events?type=issues.opened");
    expect(typed.data.map((e) => e.id)).toContain([...ids.keys()][0] as string);
  }, 30_000);

  test("forwards a form-encoded delivery byte-exact with its content type", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "github", secrets: [secret] },
    });
    const example = exampleOf("issues", "opened");
    const body = `payload=${encodeURIComponent(JSON.stringify(example.payload))}`;
    const contentType = "application/x-www-form-urlencoded";
    const request = await signedGithubRequest(secret, "issues", body, { contentType });
    const { eventId } = await ingestAccepted(relay, pipe.source.name, request);

    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(sha256Hex(arrived.bodyBytes)).toBe(sha256Hex(body));
    expect(arrived.headers["content-type"]).toBe(contentType);
    const sig = request.headers["x-hub-signature-256"] ?? "";
    expect(await verifyGithub(secret, arrived.body, sig)).toBe(true);
    const event: InboundEvent = await relay.json(`/v1/events/${eventId}`);
    expect(event).toMatchObject({ sourceId: pipe.source.id, contentType, payload: null });
  }, 30_000);

  test("types a form-encoded delivery like its JSON twin (event.action)", async () => {
    const pipe = await createPipe(
      relay,
      receivers,
      { verifier: { scheme: "github", secrets: [secret] } },
      { eventTypes: ["issues.opened"] },
    );
    const example = exampleOf("issues", "opened");
    const body = `payload=${encodeURIComponent(JSON.stringify(example.payload))}`;
    const contentType = "application/x-www-form-urlencoded";
    const request = await signedGithubRequest(secret, "issues", body, { contentType });
    const { eventId } = await ingestAccepted(relay, pipe.source.name, request);

    const event: InboundEvent & { deliveries: Delivery[] } = await relay.json(
      `/v1/events/${eventId}`,
    );
    expect(event.type).toBe("issues.opened");
    expect(event.deliveries.map((d) => d.endpointId)).toEqual([pipe.destinationId]);
  }, 30_000);
});

describe("routing on X-GitHub-Event", () => {
  test("delivers each event only to the destinations whose eventTypes match", async () => {
    const filters = { issues: ["issues.*"], push: ["push"], opened: ["pull_request.opened"] };
    const byFilter = new Map<string, Receiver>();
    const destinations = Object.entries(filters).map(([key, eventTypes]) => {
      const receiver = startReceiver();
      receivers.push(receiver);
      byFilter.set(key, receiver);
      return { url: receiver.url, eventTypes };
    });
    const everything = startReceiver();
    receivers.push(everything);
    const source = await createSource(relay, {
      name: uniqueSourceName("gh-routing"),
      verifier: { scheme: "github", secrets: [secret] },
      destinations: [...destinations, { url: everything.url }],
    });
    const [issuesEp, pushEp, openedEp, allEp] = source.destinations;

    const sendExample = async (example: GithubExample) => {
      const body = JSON.stringify(example.payload);
      const request = await signedGithubRequest(secret, example.event, body);
      return (await ingestAccepted(relay, source.name, request)).eventId;
    };
    const routedTo = async (eventId: string) => {
      const event: { deliveries: Delivery[] } = await relay.json(`/v1/events/${eventId}`);
      return event.deliveries.map((d) => d.endpointId).sort();
    };
    const issue = await sendExample(exampleOf("issues", "labeled"));
    const push = await sendExample(exampleOf("push"));
    const closed = await sendExample(exampleOf("pull_request", "closed"));
    const opened = await sendExample(exampleOf("pull_request", "opened"));

    expect(await routedTo(issue)).toEqual([issuesEp, allEp].sort() as string[]);
    expect(await routedTo(push)).toEqual([pushEp, allEp].sort() as string[]);
    expect(await routedTo(closed)).toEqual([allEp as string]);
    expect(await routedTo(opened)).toEqual([openedEp, allEp].sort() as string[]);
    await waitForArrival(byFilter.get("issues") as Receiver, issue);
    await waitForArrival(byFilter.get("push") as Receiver, push);
    await waitForArrival(byFilter.get("opened") as Receiver, opened);
    for (const id of [issue, push, closed, opened]) await waitForArrival(everything, id);
    expect((byFilter.get("issues") as Receiver).requests).toHaveLength(1);
    expect((byFilter.get("push") as Receiver).requests).toHaveLength(1);
    expect((byFilter.get("opened") as Receiver).requests).toHaveLength(1);
  }, 30_000);
});

describe("dedupe on X-GitHub-Delivery", () => {
  test("stores and forwards a redelivered X-GitHub-Delivery once", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "github", secrets: [secret] },
    });
    const body = JSON.stringify(exampleOf("ping").payload);
    const request = await signedGithubRequest(secret, "ping", body);
    const before = await countEvents(relay);
    const first = await ingestAccepted(relay, pipe.source.name, request);
    const again = await ingestAccepted(relay, pipe.source.name, request);

    expect(first).toMatchObject({ duplicate: false });
    expect(first.headers.get("hookrelay-duplicate")).toBeNull();
    expect(again).toMatchObject({ eventId: first.eventId, duplicate: true });
    expect(again.headers.get("hookrelay-duplicate")).toBe("true");
    expect(await countEvents(relay)).toBe(before + 1);
    const event: { deliveries: Delivery[] } = await relay.json(`/v1/events/${first.eventId}`);
    expect(event.deliveries).toHaveLength(1);
    await waitForStatus(relay, event.deliveries[0]?.id as string, "succeeded");
    expect(arrivalsOf(pipe.receiver, first.eventId)).toHaveLength(1);
    expect(pipe.receiver.requests).toHaveLength(1);
  }, 30_000);

  test("stores identical bodies under different delivery ids as two events", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "github", secrets: [secret] },
    });
    const body = JSON.stringify(exampleOf("ping").payload);
    const before = await countEvents(relay);
    const one = await ingestAccepted(
      relay,
      pipe.source.name,
      await signedGithubRequest(secret, "ping", body),
    );
    const two = await ingestAccepted(
      relay,
      pipe.source.name,
      await signedGithubRequest(secret, "ping", body),
    );

    expect(one.duplicate || two.duplicate).toBe(false);
    expect(two.eventId).not.toBe(one.eventId);
    expect(await countEvents(relay)).toBe(before + 2);
    const first = await waitForArrival(pipe.receiver, one.eventId);
    const second = await waitForArrival(pipe.receiver, two.eventId);
    expect(sha256Hex(first.bodyBytes)).toBe(sha256Hex(second.bodyBytes));
    expect(first.headers["x-github-delivery"]).not.toBe(second.headers["x-github-delivery"]);
  }, 30_000);
});

describe("several secrets", () => {
  test("accepts any live secret and refuses an expired one", async () => {
    const hour = 3600_000;
    const expired = "the-old-secret-expired-an-hour-ago";
    const current = "the-current-secret-without-expiry";
    const next = "the-next-secret-expiring-in-an-hour";
    const pipe = await createPipe(relay, receivers, {
      verifier: {
        scheme: "github",
        secrets: [
          { value: expired, expiresAt: new Date(Date.now() - hour).toISOString() },
          current,
          { value: next, expiresAt: new Date(Date.now() + hour).toISOString() },
        ],
      },
    });
    const body = JSON.stringify(exampleOf("ping").payload);
    const name = pipe.source.name;

    await ingestAccepted(relay, name, await signedGithubRequest(current, "ping", body));
    await ingestAccepted(relay, name, await signedGithubRequest(next, "ping", body));
    const before = await countEvents(relay);
    const stale = await ingest(relay, name, await signedGithubRequest(expired, "ping", body));
    await expectSignatureRejected(stale, "bad_signature");
    expect(await countEvents(relay)).toBe(before);
  }, 30_000);

  test("stops accepting a secret once its expiresAt passes", async () => {
    const leaving = "a-secret-that-expires-in-a-moment";
    const pipe = await createPipe(relay, receivers, {
      verifier: {
        scheme: "github",
        secrets: [
          { value: leaving, expiresAt: new Date(Date.now() + 1_500).toISOString() },
          "the-secret-that-stays-valid",
        ],
      },
    });
    const body = JSON.stringify(exampleOf("ping").payload);
    const name = pipe.source.name;
    const fresh = await signedGithubRequest(leaving, "ping", body);
    await ingestAccepted(relay, name, fresh);

    const refused = await waitFor("the secret to expire", async () => {
      const response = await ingest(relay, name, await signedGithubRequest(leaving, "ping", body));
      if (response.status === 202) return undefined;
      return response;
    });
    await expectSignatureRejected(refused, "bad_signature");
  }, 30_000);

  test("verifies with the secrets a PATCH puts in place, not the ones it replaces", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "github", secrets: ["the-first-secret-of-the-source"] },
    });
    const body = JSON.stringify(exampleOf("ping").payload);
    const name = pipe.source.name;
    const patched: { verifier: { secrets: unknown[] } } = await relay.json(
      `/v1/sources/${pipe.source.id}`,
      {
        method: "PATCH",
        json: { verifier: { scheme: "github", secrets: ["the-second-secret-of-the-source"] } },
      },
    );

    expect(patched.verifier.secrets).toEqual([{ value: "…urce", expiresAt: null }]);
    const old = await ingest(
      relay,
      name,
      await signedGithubRequest("the-first-secret-of-the-source", "ping", body),
    );
    await expectSignatureRejected(old, "bad_signature");
    const request = await signedGithubRequest("the-second-secret-of-the-source", "ping", body);
    await ingestAccepted(relay, name, request);
  }, 30_000);
});
