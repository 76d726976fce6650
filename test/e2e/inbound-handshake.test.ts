/**
 * Provider handshakes at the ingest URL: a verified set-up request that wants a computed
 * answer (Slack's url_verification, Twitch EventSub's callback verification, through the
 * example plugin in plugins/) gets that answer, and is neither stored nor forwarded.
 */
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import {
  countEvents,
  createPipe,
  expectSignatureRejected,
  ingest,
  ingestAccepted,
  waitForArrival,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { relayPerFile } from "../support/relay-per-file.ts";

const { relay, receivers } = relayPerFile();

const hmacHex = (key: string, text: string) => createHmac("sha256", key).update(text).digest("hex");

describe("slack url_verification", () => {
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";
  const challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P";
  const body = JSON.stringify({
    token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
    challenge,
    type: "url_verification",
  });

  /** Signed as Slack documents: v0=HMAC-SHA256 of `v0:<timestamp>:<body>`. */
  function slackHeaders(text: string, key = secret) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return {
      "content-type": "application/json",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": `v0=${hmacHex(key, `v0:${timestamp}:${text}`)}`,
    };
  }

  test("answers the challenge and stores nothing", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "slack", secrets: [secret] },
    });
    const before = await countEvents(relay);
    const response = await ingest(relay, pipe.source.name, { body, headers: slackHeaders(body) });

    expect({ status: response.status, text: await response.text() }).toEqual({
      status: 200,
      text: challenge,
    });
    expect(response.headers.get("content-type")).toStartWith("text/plain");
    expect(response.headers.get("hookrelay-event-id")).toBeNull();
    expect(await countEvents(relay)).toBe(before);
  }, 30_000);

  test("refuses an unsigned check with 401 and does not echo it", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "slack", secrets: [secret] },
    });
    const forged = slackHeaders(body, "not-the-signing-secret-of-this-app");
    const response = await ingest(relay, pipe.source.name, { body, headers: forged });

    const problem = await expectSignatureRejected(response, "bad_signature");
    expect(JSON.stringify(problem)).not.toContain(challenge);
  }, 30_000);

  test("still forwards ordinary Events API callbacks", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "slack", secrets: [secret] },
    });
    const event = JSON.stringify({
      type: "event_callback",
      event_id: `Ev${crypto.randomUUID()}`,
      event: { type: "app_mention", text: "hello" },
    });
    const { eventId } = await ingestAccepted(relay, pipe.source.name, {
      body: event,
      headers: slackHeaders(event),
    });

    expect((await waitForArrival(pipe.receiver, eventId)).body).toBe(event);
  }, 30_000);
});

describe("a plugin's handshake: the twitch-eventsub example", () => {
  const secret = "s3cre7-of-the-subscription";

  /** Signed as Twitch documents: sha256=HMAC-SHA256 of id + timestamp + body. */
  function twitchHeaders(text: string, type: string) {
    const id = crypto.randomUUID();
    const timestamp = new Date().toISOString();
    return {
      "content-type": "application/json",
      "twitch-eventsub-message-id": id,
      "twitch-eventsub-message-timestamp": timestamp,
      "twitch-eventsub-message-signature": `sha256=${hmacHex(secret, id + timestamp + text)}`,
      "twitch-eventsub-message-type": type,
      "twitch-eventsub-subscription-type": "channel.follow",
    };
  }

  test("echoes the challenge, then forwards the notifications", async () => {
    const pipe = await createPipe(relay, receivers, {
      verifier: { scheme: "twitch-eventsub", secrets: [secret] },
    });
    const check = JSON.stringify({ challenge: "pogchamp-kappa-360noscope-vohiyo" });
    const before = await countEvents(relay);
    const answer = await ingest(relay, pipe.source.name, {
      body: check,
      headers: twitchHeaders(check, "webhook_callback_verification"),
    });

    expect({ status: answer.status, text: await answer.text() }).toEqual({
      status: 200,
      text: "pogchamp-kappa-360noscope-vohiyo",
    });
    expect(await countEvents(relay)).toBe(before);

    const follow = JSON.stringify({ event: { user_login: "cool_user" } });
    const { eventId } = await ingestAccepted(relay, pipe.source.name, {
      body: follow,
      headers: twitchHeaders(follow, "notification"),
    });
    const arrived = await waitForArrival(pipe.receiver, eventId);
    expect(arrived.body).toBe(follow);
    expect(await relay.json(`/v1/events/${eventId}`)).toMatchObject({ type: "channel.follow" });
  }, 30_000);
});
