/**
 * Runs plugins under Deno, to show that they are portable: the example Slack transform, the
 * example Twitch EventSub verifier and the built-in Standard Webhooks signer, each called as
 * the relay would call it, the signature then checked by the npm `standardwebhooks` verifier.
 * Exits 1 if any check fails.
 *
 *   deno run --config scripts/deno/deno.json scripts/deno-plugin-check.ts
 *
 * scripts/deno/deno.json maps `hookrelay/plugin` to src/plugins/sdk.ts and reads npm packages
 * from the existing node_modules (nodeModulesDir "manual"), so nothing is downloaded. No
 * permission flag is needed: the checks read no files, no environment and no network.
 */
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import slack from "../plugins/slack.ts";
import twitch from "../plugins/twitch-eventsub.ts";
import { standardWebhooksSigner } from "../src/plugins/builtin/standard-webhooks.ts";

declare const Deno: { version: { deno: string }; exit(code: number): never } | undefined;

type Check = [label: string, run: () => unknown | Promise<unknown>];

const event = {
  id: "evt_01JF3DENO",
  type: "invoice.paid",
  createdAt: "2026-12-03T20:00:00.000Z",
  payload: { amount: 4200, note: "Zoë <b> & 🎉" },
  body: new TextEncoder().encode('{"type":"invoice.paid"}'),
  contentType: "application/json",
};
const endpoint = { id: "ep_01JF3DENO", url: "https://hooks.slack.test/services/x" };

function assertEqual(actual: unknown, expected: unknown, what: string): void {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

async function checkSlackMessage(): Promise<void> {
  const result = await slack.transform({ event, endpoint, options: { includePayload: true } });
  if ("skip" in result) throw new Error("slack skipped an event it should send");
  assertEqual(result.contentType, "application/json", "content type");
  const body = result.body as { text: string; blocks: { type: string; text?: unknown }[] };
  assertEqual(body.text, "invoice.paid (evt_01JF3DENO)", "text");
  assertEqual(
    body.blocks.map((block) => block.type),
    ["header", "section", "section"],
    "block types",
  );
  const payloadText = JSON.stringify(body.blocks[2]?.text);
  if (!payloadText.includes("Zoë &lt;b&gt; &amp; 🎉")) {
    throw new Error(`payload block is not escaped mrkdwn: ${payloadText}`);
  }
}

async function checkSlackSkip(): Promise<void> {
  const result = await slack.transform({ event, endpoint, options: { types: ["invoice.sent"] } });
  assertEqual(
    result,
    { skip: true, reason: "event type invoice.paid is not in the types option" },
    "skip",
  );
}

async function checkStandardWebhooksSigner(): Promise<void> {
  const secret = standardWebhooksSigner.generateSecret?.() ?? "";
  const body = new TextEncoder().encode('{"type":"invoice.paid","data":{"note":"Zoë 🎉"}}');
  const timestampSeconds = Math.floor(Date.now() / 1000);
  const headers = await standardWebhooksSigner.sign({
    eventId: event.id,
    timestampSeconds,
    body,
    secrets: [secret],
    options: {},
  });
  const verified = new Webhook(secret).verify(new TextDecoder().decode(body), headers);
  assertEqual(verified, { type: "invoice.paid", data: { note: "Zoë 🎉" } }, "verified payload");
  const tampered = { ...headers, "webhook-id": "evt_other" };
  let rejected = false;
  try {
    new Webhook(secret).verify(new TextDecoder().decode(body), tampered);
  } catch {
    rejected = true;
  }
  if (!rejected) throw new Error("a tampered webhook-id still verified");
}

async function checkTwitchVerifier(): Promise<void> {
  const secret = "s3cre7-of-the-subscription";
  const id = "e76c6bd4-55c9-4987-8304-da1588d8988b";
  const timestamp = new Date().toISOString();
  const text = JSON.stringify({ challenge: "pogchamp-kappa-360noscope-vohiyo" });
  const signature = createHmac("sha256", secret)
    .update(id + timestamp + text)
    .digest("hex");
  const input = {
    body: new TextEncoder().encode(text),
    headers: {
      "twitch-eventsub-message-id": id,
      "twitch-eventsub-message-timestamp": timestamp,
      "twitch-eventsub-message-signature": `sha256=${signature}`,
      "twitch-eventsub-message-type": "webhook_callback_verification",
    },
    url: "https://relay.example/in/twitch",
    secrets: [secret],
    options: {},
    now: Date.now(),
  };
  assertEqual(await twitch.verify(input), { ok: true }, "verify");
  assertEqual(
    await twitch.verify({ ...input, secrets: ["another-secret"] }),
    {
      ok: false,
      reason: "bad_signature",
    },
    "verify with another secret",
  );
  assertEqual(
    await twitch.handshake?.(input),
    { body: "pogchamp-kappa-360noscope-vohiyo", contentType: "text/plain" },
    "handshake",
  );
}

const checks: Check[] = [
  ["plugins/slack.ts turns an event into a Slack message", checkSlackMessage],
  ["plugins/slack.ts skips a type outside its types option", checkSlackSkip],
  ["plugins/twitch-eventsub.ts verifies and answers the challenge", checkTwitchVerifier],
  ["built-in standard-webhooks signs what standardwebhooks verifies", checkStandardWebhooksSigner],
];

if (typeof Deno === "undefined") {
  console.error("deno-plugin-check: run this under Deno (see the command at the top)");
  process.exit(2);
}
console.log(`deno ${Deno.version.deno}`);
let failed = 0;
for (const [label, run] of checks) {
  try {
    await run();
    console.log(`pass  ${label}`);
  } catch (error) {
    failed++;
    console.log(`FAIL  ${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
console.log(`${checks.length - failed} passed, ${failed} failed`);
Deno.exit(failed > 0 ? 1 : 0);
