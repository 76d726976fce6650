import { describe, expect, test } from "bun:test";
import { eventTypePatternRule, matchesEventType } from "../../src/intake/event-type-filter.ts";

describe("matchesEventType", () => {
  test("matches everything with no patterns or a lone star", () => {
    expect(matchesEventType([], "anything.at.all")).toBe(true);
    expect(matchesEventType(["*"], "push")).toBe(true);
  });

  test("matches a star against exactly one dot segment", () => {
    expect(matchesEventType(["invoice.*"], "invoice.paid")).toBe(true);
    expect(matchesEventType(["invoice.*"], "invoice")).toBe(false);
    expect(matchesEventType(["invoice.*"], "invoice.paid.late")).toBe(false);
    expect(matchesEventType(["*.created"], "customer.created")).toBe(true);
  });

  test("matches exact types and any of several patterns", () => {
    expect(matchesEventType(["customer.created", "invoice.*"], "customer.created")).toBe(true);
    expect(matchesEventType(["customer.created"], "customer.deleted")).toBe(false);
  });
});

describe("eventTypePatternRule", () => {
  test("accepts segment patterns and refuses empty segments", () => {
    expect(
      ["a", "a.b", "a.*", "*", "issues.opened"].every((p) => eventTypePatternRule.test(p)),
    ).toBe(true);
    expect(["", "a..b", ".a", "a.", "a b", "inv*"].some((p) => eventTypePatternRule.test(p))).toBe(
      false,
    );
  });
});
