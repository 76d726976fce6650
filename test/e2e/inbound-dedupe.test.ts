/**
 * Dedupe on the provider's delivery id: a repeat within the source's window is answered 2xx
 * and stored and forwarded once, even when the repeats race; the window is per source and
 * ends; requests without a delivery id are never deduped.
 */
import { describe, expect, test } from "bun:test";
import { sign as signGithub } from "@octokit/webhooks-methods";
import { waitFor } from "../support/wait.ts";
import {
  arrivalsOf,
  countEvents,
  createPipe,
  githubHeaders,
  ingest,
  ingestAccepted,
  waitForArrival,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { type Delivery, waitForStatus } from "./api-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const secret = "dedupe-github-secret";
const github = { verifier: { scheme: "github", secrets: [secret] } };
const body = '{"zen":"Approachable is better than simple."}';

const { relay, receivers } = relayPerFile();

async function delivery(deliveryId: string, payload = body) {
  return {
    body: payload,
    headers: githubHeaders("ping", deliveryId, await signGithub(secret, payload)),
  };
}

describe("dedupe", () => {
  test("stores one event when the same delivery arrives ten times at once", async () => {
    const pipe = await createPipe(relay, receivers, github);
    const request = await delivery(crypto.randomUUID());
    const before = await countEvents(relay);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => ingestAccepted(relay, pipe.source.name, request)),
    );

    const ids = new Set(answers.map((a) => a.eventId));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
    expect(await countEvents(relay)).toBe(before + 1);
    const [eventId] = [...ids];
    const event: { deliveries: Delivery[] } = await relay.json(`/v1/events/${eventId}`);
    await waitForStatus(relay, event.deliveries[0]?.id as string, "succeeded");
    expect(arrivalsOf(pipe.receiver, eventId as string)).toHaveLength(1);
  }, 30_000);

  test("answers a repeat after delivery as a duplicate of the original", async () => {
    const pipe = await createPipe(relay, receivers, github);
    const request = await delivery(crypto.randomUUID());
    const first = await ingestAccepted(relay, pipe.source.name, request);
    await waitForArrival(pipe.receiver, first.eventId);

    const again = await ingestAccepted(relay, pipe.source.name, request);
    expect(again).toMatchObject({ eventId: first.eventId, duplicate: true });
    expect(pipe.receiver.requests).toHaveLength(1);
  }, 30_000);

  test("keeps the first body when a repeat of the delivery id carries another", async () => {
    const pipe = await createPipe(relay, receivers, github);
    const deliveryId = crypto.randomUUID();
    const first = await ingestAccepted(relay, pipe.source.name, await delivery(deliveryId));
    const changed = await ingestAccepted(
      relay,
      pipe.source.name,
      await delivery(deliveryId, '{"zen":"something else"}'),
    );

    expect(changed).toMatchObject({ eventId: first.eventId, duplicate: true });
    const arrived = await waitForArrival(pipe.receiver, first.eventId);
    expect(arrived.body).toBe(body);
  }, 30_000);

  test("dedupes per source: one delivery id on two sources is two events", async () => {
    const one = await createPipe(relay, receivers, github);
    const two = await createPipe(relay, receivers, github);
    const request = await delivery(crypto.randomUUID());
    const a = await ingestAccepted(relay, one.source.name, request);
    const b = await ingestAccepted(relay, two.source.name, request);

    expect([a.duplicate, b.duplicate]).toEqual([false, false]);
    expect(a.eventId).not.toBe(b.eventId);
  }, 30_000);

  test("stores a repeat again once the dedupe window has passed", async () => {
    const pipe = await createPipe(relay, receivers, { ...github, dedupeWindowSeconds: 1 });
    const request = await delivery(crypto.randomUUID());
    const first = await ingestAccepted(relay, pipe.source.name, request);

    const later = await waitFor(
      "the dedupe window to pass",
      async () => {
        const answer = await ingestAccepted(relay, pipe.source.name, request);
        return answer.duplicate ? undefined : answer;
      },
      5_000,
    );
    expect(later.eventId).not.toBe(first.eventId);
  }, 30_000);

  test("never dedupes a source without a delivery id to go by", async () => {
    const pipe = await createPipe(relay, receivers, { verifier: { scheme: "none" } });
    const same = { body, headers: { "content-type": "application/json" } };
    const a = await ingestAccepted(relay, pipe.source.name, same);
    const b = await ingestAccepted(relay, pipe.source.name, same);

    expect([a.duplicate, b.duplicate]).toEqual([false, false]);
    expect(a.eventId).not.toBe(b.eventId);
  }, 30_000);

  test("does not let a refused request reserve its delivery id", async () => {
    const pipe = await createPipe(relay, receivers, github);
    const deliveryId = crypto.randomUUID();
    const forged = {
      body,
      headers: githubHeaders("ping", deliveryId, await signGithub("forger", body)),
    };
    expect((await ingest(relay, pipe.source.name, forged)).status).toBe(401);

    const genuine = await ingestAccepted(relay, pipe.source.name, await delivery(deliveryId));
    expect(genuine.duplicate).toBe(false);
  }, 30_000);
});
