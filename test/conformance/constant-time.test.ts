/**
 * Signature checks compare in constant time (timingSafeEqualBytes, or crypto.subtle.verify
 * for asymmetric schemes and JOSE). A `===` between signature-like values would leak, through
 * timing, how much of a forged signature is right; this reads the sources to keep it out.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dir, "../../src/plugins/builtin");
const files = readdirSync(dir).filter((name) => name.endsWith(".ts"));
const signatureLike = /sig|mac|digest|expected|received|candidate|wanted|hmac/i;
const harmless = /^(?:undefined|null|true|false|""|\d+|"[^"]*"|'[^']*'|`[^`]*`)$/;
const comparison = /([\w$.?[\]]+)\s*(?:===|!==|==|!=)\s*([\w$.?[\]"'`]+)/g;

function riskyComparisons(source: string): string[] {
  const found: string[] = [];
  for (const [text, left = "", right = ""] of source.matchAll(comparison)) {
    const operands = [left, right];
    if (operands.some((o) => harmless.test(o) || o.endsWith("length"))) continue;
    if (operands.some((o) => signatureLike.test(o))) found.push(text);
  }
  return found;
}

describe("signature comparisons", () => {
  test("the check itself catches a plain comparison", () => {
    expect(riskyComparisons("if (signature === expected) return ok;")).toHaveLength(1);
    expect(riskyComparisons("if (received.length === 0) return no;")).toHaveLength(0);
  });

  test.each(files)("%s compares no signature with ===", (file) => {
    expect(riskyComparisons(readFileSync(join(dir, file), "utf8"))).toEqual([]);
  });

  test("every HMAC verifier goes through the constant-time helper", () => {
    for (const file of [
      "standard-webhooks.ts",
      "stripe.ts",
      "github.ts",
      "shopify.ts",
      "slack.ts",
      "hmac.ts",
    ]) {
      expect(readFileSync(join(dir, file), "utf8")).toContain("anySignatureMatches(");
    }
    expect(readFileSync(join(dir, "verify-result.ts"), "utf8")).toContain("timingSafeEqualBytes(");
  });
});
