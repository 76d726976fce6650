/**
 * Example transform: turns an event into a Slack incoming-webhook message (Block Kit,
 * api.slack.com/reference/block-kit) with a notification fallback in `text`. Copy this file
 * to start your own; it uses only the SDK and Web APIs, so it runs under Bun, the hookrelay
 * binary and Deno alike.
 */
import { definePlugin, t } from "hookrelay/plugin";

// Block Kit limits: a header's text is at most 150 characters, a section's 3000.
const maxHeaderChars = 150;
const maxSectionChars = 3000;

/** Slack's mrkdwn treats &, < and > as control characters (api.slack.com, "Escaping text"). */
function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Cuts at a code point, never through an escape entity, and marks the cut. */
function truncate(text: string, maxChars: number): string {
  const points = Array.from(text);
  if (points.length <= maxChars) return text;
  return `${points
    .slice(0, maxChars - 1)
    .join("")
    .replace(/&[a-z]*$/, "")}…`;
}

function payloadBlock(payload: unknown, maxChars: number) {
  const json = JSON.stringify(payload ?? null, null, 2) ?? "null";
  // A ``` inside the payload would close the code block early; a zero-width space defuses it.
  const fenced = escapeMrkdwn(json).replaceAll("```", "`\u200b``");
  const inner = truncate(fenced, Math.min(maxChars, maxSectionChars) - 6);
  return { type: "section", text: { type: "mrkdwn", text: `\`\`\`${inner}\`\`\`` } };
}

export default definePlugin({
  kind: "transform",
  name: "slack",
  version: "1.0.0",
  description: "Event → Slack incoming-webhook message (text + Block Kit blocks)",
  options: t.Object({
    types: t.Optional(
      t.Array(t.String({ minLength: 1 }), { description: "only these event types; others skip" }),
    ),
    includePayload: t.Optional(t.Boolean({ default: true })),
    maxPayloadChars: t.Optional(t.Integer({ minimum: 100, maximum: 2900, default: 2500 })),
  }),
  transform({ event, options }) {
    if (options.types && !options.types.includes(event.type)) {
      return { skip: true, reason: `event type ${event.type} is not in the types option` };
    }
    const blocks: unknown[] = [
      {
        type: "header",
        text: { type: "plain_text", text: truncate(event.type, maxHeaderChars), emoji: true },
      },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: `*Event*\n\`${escapeMrkdwn(event.id)}\`` },
          { type: "mrkdwn", text: `*Created*\n${escapeMrkdwn(event.createdAt)}` },
        ],
      },
    ];
    if (options.includePayload ?? true) {
      blocks.push(payloadBlock(event.payload, options.maxPayloadChars ?? 2500));
    }
    const text = escapeMrkdwn(`${event.type} (${event.id})`);
    return { body: { text, blocks }, contentType: "application/json" };
  },
});
