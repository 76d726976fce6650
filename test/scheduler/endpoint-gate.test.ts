import { describe, expect, test } from "bun:test";
import { EndpointGate } from "../../src/scheduler/endpoint-gate.ts";

const options = { breakerFailures: 3, breakerCooldownMs: 10_000 };

describe("EndpointGate breaker", () => {
  test("opens after the configured failures in a row and blocks the endpoint", () => {
    const gate = new EndpointGate(options);
    const changes = [1, 2, 3].map((t) => {
      expect(gate.admit("ep_a", null, t)).toBe(true);
      return gate.record("ep_a", false, t);
    });
    expect(changes).toEqual([undefined, undefined, "opened"]);
    expect(gate.blocked(4)).toEqual(["ep_a"]);
    expect(gate.admit("ep_a", null, 4)).toBe(false);
    expect(gate.nextChangeAt(4)).toBe(3 + 10_000);
  });

  test("lets one probe through after the cool-down and closes on its success", () => {
    const gate = new EndpointGate(options);
    for (const t of [1, 2, 3]) gate.admit("ep_a", null, t) && gate.record("ep_a", false, t);
    const later = 20_000;
    expect(gate.admit("ep_a", null, later)).toBe(true);
    expect(gate.admit("ep_a", null, later)).toBe(false);
    expect(gate.blocked(later)).toEqual(["ep_a"]);
    expect(gate.record("ep_a", true, later)).toBe("closed");
    expect(gate.blocked(later)).toEqual([]);
  });

  test("lets another probe go when one ends without an answer", () => {
    const gate = new EndpointGate(options);
    for (const t of [1, 2, 3]) gate.admit("ep_a", null, t) && gate.record("ep_a", false, t);
    expect(gate.admit("ep_a", null, 20_000)).toBe(true);
    expect(gate.blocked(20_000)).toEqual(["ep_a"]);
    // Skipped by a transform, or a plugin error: the probe decided nothing.
    gate.abandon("ep_a");
    expect(gate.blocked(20_001)).toEqual([]);
    expect(gate.admit("ep_a", null, 20_001)).toBe(true);
    expect(gate.record("ep_a", true, 20_002)).toBe("closed");
  });

  test("reopens for another cool-down when the probe fails", () => {
    const gate = new EndpointGate(options);
    for (const t of [1, 2, 3]) gate.admit("ep_a", null, t) && gate.record("ep_a", false, t);
    gate.admit("ep_a", null, 20_000);
    expect(gate.record("ep_a", false, 20_000)).toBeUndefined();
    expect(gate.blocked(20_001)).toEqual(["ep_a"]);
    expect(gate.nextChangeAt(20_001)).toBe(30_000);
  });

  test("resets the failure count on a success", () => {
    const gate = new EndpointGate(options);
    for (const [t, ok] of [
      [1, false],
      [2, false],
      [3, true],
      [4, false],
      [5, false],
    ] as const) {
      gate.admit("ep_a", null, t);
      gate.record("ep_a", ok, t);
    }
    expect(gate.blocked(6)).toEqual([]);
  });
});

describe("EndpointGate rate limit", () => {
  test("admits the bucket's capacity at once, then one more per 1/rate seconds", () => {
    const gate = new EndpointGate(options);
    const admitted = [0, 0, 0].map(() => gate.admit("ep_r", 2, 0));
    expect(admitted).toEqual([true, true, false]);
    expect(gate.blocked(0)).toEqual(["ep_r"]);
    expect(gate.nextChangeAt(0)).toBe(500);
    expect(gate.admit("ep_r", 2, 499)).toBe(false);
    expect(gate.admit("ep_r", 2, 500)).toBe(true);
  });
});

describe("EndpointGate single file", () => {
  test("allows one attempt at a time after three failures in a row, its share after a success", () => {
    const gate = new EndpointGate({ breakerFailures: 100, breakerCooldownMs: 1_000 });
    const fail = () => {
      gate.admit("ep_a", null, 0);
      gate.record("ep_a", false, 0);
    };
    expect(gate.concurrencyFor("ep_a", 4)).toBe(4);
    fail();
    fail();
    expect(gate.concurrencyFor("ep_a", 4)).toBe(4);
    fail();
    expect(gate.concurrencyFor("ep_a", 4)).toBe(1);
    expect(gate.concurrencyFor("ep_b", 4)).toBe(4);
    gate.admit("ep_a", null, 0);
    gate.record("ep_a", true, 0);
    expect(gate.concurrencyFor("ep_a", 4)).toBe(4);
  });
});
