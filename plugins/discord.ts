/**
 * Example transform: turns an event into a Discord webhook message with one embed
 * (discord.com/developers/docs/resources/webhook#execute-webhook). Copy this file to start
 * your own; it uses only the SDK and Web APIs, so it runs under Bun, the hookrelay binary and
 * Deno alike.
 */
import { definePlugin, t } from "hookrelay/plugin";

// Discord's documented limits for message content and embed parts.
const maxContentChars = 2000;
const maxTitleChars = 256;
const maxDescriptionChars = 4096;
const blurple = 0x5865f2;

function truncate(text: string, maxChars: number): string {
  const points = Array.from(text);
  return points.length <= maxChars ? text : `${points.slice(0, maxChars - 1).join("")}…`;
}

function describePayload(payload: unknown): string {
  const json = JSON.stringify(payload ?? null, null, 2) ?? "null";
  // A ``` inside the payload would close the code block early; a zero-width space defuses it.
  const fenced = json.replaceAll("```", "`\u200b``");
  return `\`\`\`json\n${truncate(fenced, maxDescriptionChars - 12)}\n\`\`\``;
}

export default definePlugin({
  kind: "transform",
  name: "discord",
  version: "1.0.0",
  description: "Event → Discord webhook message (content + one embed)",
  options: t.Object({
    types: t.Optional(
      t.Array(t.String({ minLength: 1 }), { description: "only these event types; others skip" }),
    ),
    username: t.Optional(t.String({ minLength: 1, maxLength: 80 })),
    color: t.Optional(t.Integer({ minimum: 0, maximum: 0xffffff, default: blurple })),
  }),
  transform({ event, options }) {
    if (options.types && !options.types.includes(event.type)) {
      return { skip: true, reason: `event type ${event.type} is not in the types option` };
    }
    const embed = {
      title: truncate(event.type, maxTitleChars),
      description: describePayload(event.payload),
      color: options.color ?? blurple,
      timestamp: event.createdAt,
      fields: [{ name: "Event", value: `\`${truncate(event.id, 1000)}\``, inline: true }],
      footer: { text: "hookrelay" },
    };
    const body: Record<string, unknown> = {
      content: truncate(`New event: ${event.type}`, maxContentChars),
      embeds: [embed],
      // Payload text must never ping @everyone or a role: no mention is parsed.
      allowed_mentions: { parse: [] },
    };
    if (options.username) body.username = options.username;
    return { body, contentType: "application/json" };
  },
});
