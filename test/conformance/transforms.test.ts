/**
 * One suite every transform passes, built-in or example: the same event gives the same bytes,
 * the output is a body the host can send, odd payloads do not break it, and failures come
 * back as errors (or skips) rather than hangs.
 */
import { describe, expect, test } from "bun:test";
import { jsonataTransform } from "../../src/plugins/builtin/jsonata.ts";
import type { TransformInput, TransformPlugin, TransformResult } from "../../src/plugins/sdk.ts";
import discord from "../../plugins/discord.ts";
import slack from "../../plugins/slack.ts";
import { withDefaults } from "./scheme-cases.ts";

interface TransformCase {
  label: string;
  plugin: TransformPlugin;
  options: Record<string, unknown>;
}

const cases: TransformCase[] = [
  {
    label: "jsonata",
    plugin: jsonataTransform,
    options: { expression: '{ "kind": event.type, "id": event.id, "data": event.payload }' },
  },
  { label: "plugins/slack.ts", plugin: slack, options: {} },
  { label: "plugins/discord.ts", plugin: discord, options: {} },
];

function inputFor(payload: unknown, options: Record<string, unknown>, plugin: TransformPlugin) {
  const body = new TextEncoder().encode(JSON.stringify(payload) ?? "");
  return {
    event: {
      id: "evt_01HZX3",
      type: "invoice.paid",
      createdAt: "2026-01-02T03:04:05.000Z",
      payload,
      body,
      contentType: "application/json",
    },
    endpoint: { id: "ep_1", url: "https://receiver.test/hook" },
    options: withDefaults(plugin, options),
  } satisfies TransformInput<Record<string, unknown>>;
}

/** The bytes the host would send for a result. */
function bytesOf(result: TransformResult): string {
  if ("skip" in result) return "skip";
  const { body } = result;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return typeof body === "string" ? body : JSON.stringify(body);
}

const payloads: Record<string, unknown> = {
  "an object": { amount: 4200, currency: "eur", customer: { name: "Zoë" } },
  "emoji and markup": { note: "🎉 <!channel> @everyone ``` & <b>", line: "a\u2028b" },
  "a large payload": { items: Array.from({ length: 2000 }, (_, i) => ({ i, sku: `sku-${i}` })) },
  "an array": [1, 2, 3],
  "a string": "plain text",
  null: null,
  "no payload": undefined,
};

describe.each(cases.map((c) => [c.label, c] as const))("%s", (_label, c) => {
  test.each(Object.entries(payloads))("gives the same output twice for %s", async (_n, payload) => {
    const first = await c.plugin.transform(inputFor(payload, c.options, c.plugin));
    const second = await c.plugin.transform(inputFor(payload, c.options, c.plugin));
    expect(bytesOf(first)).toBe(bytesOf(second));
    if (!("skip" in first)) {
      expect(first.contentType).toBe("application/json");
      expect(() => JSON.parse(bytesOf(first))).not.toThrow();
    }
  });
});

describe("example transforms", () => {
  test.each([
    ["slack", slack],
    ["discord", discord],
  ] as const)("%s skips event types outside its types option", async (_name, plugin) => {
    const result = await plugin.transform(inputFor({}, { types: ["other.type"] }, plugin));
    expect(result).toEqual({ skip: true, reason: expect.stringContaining("invoice.paid") });
  });

  test("slack stays within Block Kit limits and escapes control characters", async () => {
    const payload = payloads["emoji and markup"];
    const big = await slack.transform(inputFor(payloads["a large payload"], {}, slack));
    const small = await slack.transform(inputFor(payload, {}, slack));
    for (const result of [big, small]) {
      const message = JSON.parse(bytesOf(result)) as { blocks: { text?: { text: string } }[] };
      for (const block of message.blocks) {
        expect((block.text?.text ?? "").length).toBeLessThanOrEqual(3000);
      }
    }
    expect(bytesOf(small)).not.toContain("<!channel>");
    expect(bytesOf(small)).toContain("&lt;!channel&gt;");
  });

  test("discord parses no mentions and stays within embed limits", async () => {
    const result = await discord.transform(inputFor(payloads["a large payload"], {}, discord));
    const message = JSON.parse(bytesOf(result)) as {
      allowed_mentions: unknown;
      embeds: { description: string; title: string }[];
    };
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(message.embeds[0]?.description.length).toBeLessThanOrEqual(4096);
  });
});

describe("jsonata failures", () => {
  function evaluate(expression: string) {
    const input = inputFor({}, {}, jsonataTransform);
    return jsonataTransform.transform({ ...input, options: { expression } });
  }

  test("a runtime error fails the call with a code, not a hang", async () => {
    const call = evaluate("$number(event.type) + 1");
    await expect(call).rejects.toMatchObject({
      code: "ERR_PLUGIN",
      message: expect.stringContaining("D3030"),
    });
  });

  test("an endless recursion stops at the evaluation time limit", async () => {
    const started = performance.now();
    const call = evaluate("($loop := function($n) { $loop($n + 1) }; $loop(0))");
    await expect(call).rejects.toMatchObject({ code: "ERR_PLUGIN" });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test("an expression that does not compile is refused when options are checked", () => {
    expect(jsonataTransform.checkOptions?.({ expression: "event.(" })).toContain("S0");
    expect(jsonataTransform.checkOptions?.({ expression: "event.id" })).toBeUndefined();
  });
});
