import { describe, expect, test } from "bun:test";
import { jsonataTransform } from "../../src/plugins/builtin/jsonata.ts";

const payload = {
  amount: 4200,
  currency: "eur",
  lines: [
    { sku: "a", qty: 2 },
    { sku: "b", qty: 1 },
  ],
};

function run(expression: string) {
  return jsonataTransform.transform({
    event: {
      id: "evt_1",
      type: "invoice.paid",
      createdAt: "2026-01-02T03:04:05.000Z",
      payload,
      body: new TextEncoder().encode(JSON.stringify(payload)),
      contentType: "application/json",
    },
    endpoint: { id: "ep_1", url: "https://receiver.test/" },
    options: { expression },
  });
}

describe("jsonata transform", () => {
  test("maps the event into a new JSON body", async () => {
    const expression = [
      '{ "text": event.type & " " & $string(event.payload.amount / 100),',
      '"skus": event.payload.lines.sku, "at": event.createdAt }',
    ].join(" ");
    expect(await run(expression)).toEqual({
      body: '{"text":"invoice.paid 42","skus":["a","b"],"at":"2026-01-02T03:04:05.000Z"}',
      contentType: "application/json",
    });
  });

  test("sends a scalar result as JSON too", async () => {
    expect(await run("event.id")).toEqual({ body: '"evt_1"', contentType: "application/json" });
    expect(await run("$sum(event.payload.lines.qty)")).toEqual({
      body: "3",
      contentType: "application/json",
    });
  });

  test("skips the delivery when the expression yields nothing, so it can filter", async () => {
    expect(await run('event.type = "invoice.voided" ? event.payload')).toEqual({
      skip: true,
      reason: "the expression produced no value",
    });
    expect(await run('event.type = "invoice.paid" ? event.payload.currency')).toEqual({
      body: '"eur"',
      contentType: "application/json",
    });
  });

  test("reports a compile error with its JSONata code, at check time and at run time", async () => {
    expect(jsonataTransform.checkOptions({ expression: '{ "a": }' })).toMatch(
      /^expression does not compile: S0\d{3} at position \d+/,
    );
    await expect(run('{ "a": }')).rejects.toMatchObject({
      code: "ERR_PLUGIN",
      message: expect.stringContaining("jsonata: S0"),
    });
  });

  test("bounds the size of generated sequences", async () => {
    await expect(run("$count([1..200000])")).rejects.toMatchObject({ code: "ERR_PLUGIN" });
  });
});
