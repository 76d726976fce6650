import { describe, expect, test } from "bun:test";
import { BodyBudget, expectedBodyBytes } from "../../src/intake/body-budget.ts";

const budgetOf = (capacity: number, keyShare?: number) =>
  new BodyBudget({ pool: "ingest", capacityBytes: () => capacity, keyShare });

/** A hold that lasts until `release()`: the budget counts its bytes meanwhile. */
function heldOpen(budget: BodyBudget, bytes: number, key?: string) {
  let release = () => {};
  const done = budget.hold(bytes, () => new Promise<void>((resolve) => (release = resolve)), key);
  return { done, release: () => release() };
}

describe("BodyBudget", () => {
  test("refuses what would pass the bound while others are held, and frees on settle", async () => {
    const budget = budgetOf(100);
    const first = heldOpen(budget, 60);
    expect(budget.heldBytes).toBe(60);
    await expect(budget.hold(41, async () => "late")).rejects.toMatchObject({
      code: "ERR_UNAVAILABLE",
    });
    expect(await budget.hold(40, async () => "fits")).toBe("fits");
    first.release();
    await first.done;
    expect(budget.heldBytes).toBe(0);
    expect(await budget.hold(100, async () => "whole")).toBe("whole");
  });

  test("frees the bytes of work that fails", async () => {
    const budget = budgetOf(100);
    await expect(budget.hold(80, async () => Promise.reject(new Error("no")))).rejects.toThrow();
    expect(budget.heldBytes).toBe(0);
  });

  test("lets a lone request larger than the bound through, and bodiless ones always", async () => {
    const budget = budgetOf(100);
    const big = heldOpen(budget, 500);
    expect(budget.heldBytes).toBe(500);
    expect(await budget.hold(0, async () => "no body")).toBe("no body");
    await expect(budget.hold(1, async () => "one byte")).rejects.toThrow("too many request bodies");
    big.release();
    await big.done;
  });

  test("reads the bound on every request, so a reload applies at once", async () => {
    let bound = 10;
    const budget = new BodyBudget({ pool: "api", capacityBytes: () => bound });
    const first = heldOpen(budget, 5);
    await expect(budget.hold(6, async () => 0)).rejects.toThrow();
    bound = 20;
    expect(await budget.hold(6, async () => 1)).toBe(1);
    first.release();
    await first.done;
  });
});

describe("BodyBudget shares", () => {
  test("one key holds at most its share while others still get in", async () => {
    const budget = budgetOf(100, 0.5);
    const first = heldOpen(budget, 40, "src_a");
    await expect(budget.hold(20, async () => "a again", "src_a")).rejects.toThrow(
      "too many request bodies",
    );
    expect(await budget.hold(50, async () => "b", "src_b")).toBe("b");
    first.release();
    await first.done;
    expect(budget.heldBytes).toBe(0);
  });

  test("a key's lone request passes its share, as a lone request passes the budget", async () => {
    const budget = budgetOf(100, 0.5);
    const big = heldOpen(budget, 80, "src_a");
    expect(budget.heldBytes).toBe(80);
    await expect(budget.hold(30, async () => "b", "src_b")).rejects.toThrow();
    big.release();
    await big.done;
  });
});

describe("expectedBodyBytes", () => {
  const url = "http://127.0.0.1/v1/events";
  test("is the Content-Length, capped; a chunked body's cap; nothing without a body", () => {
    const declared = new Request(url, {
      method: "POST",
      headers: { "content-length": "2" },
      body: "{}",
    });
    expect(expectedBodyBytes(declared, 1024)).toBe(2);
    const huge = new Request(url, { method: "POST", headers: { "content-length": "9999" } });
    expect(expectedBodyBytes(huge, 1024)).toBe(1024);
    const stream = new ReadableStream({ start: (c) => c.close() });
    const chunked = new Request(url, { method: "POST", body: stream });
    expect(expectedBodyBytes(chunked, 1024)).toBe(1024);
    expect(expectedBodyBytes(new Request(url), 1024)).toBe(0);
    // A kilobyte of gzip may decode to the whole cap: it is charged the cap.
    const gzipped = new Request(url, {
      method: "POST",
      headers: { "content-length": "10", "content-encoding": "gzip" },
      body: new Uint8Array(10),
    });
    expect(expectedBodyBytes(gzipped, 1024)).toBe(1024);
  });
});
