import { describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import {
  builtinPlugins,
  builtinSigners,
  builtinVerifiers,
} from "../../src/plugins/builtin/index.ts";
import { describeShapeProblems } from "../../src/plugins/plugin-shape.ts";
import type { SignerPlugin } from "../../src/plugins/sdk.ts";

describe("built-in plugins", () => {
  test.each(builtinPlugins.map((p) => [`${p.kind} ${p.name}`, p] as const))(
    "%s has a valid shape",
    (_n, plugin) => {
      expect(describeShapeProblems(plugin)).toEqual([]);
      expect(plugin.version).toBe("1.0.0");
    },
  );

  test("names are unique within a kind, and every signer has a verifier of its name", () => {
    for (const kind of ["signer", "verifier", "transform"]) {
      const names = builtinPlugins.filter((p) => p.kind === kind).map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
    }
    const verifierNames = builtinVerifiers.map((p) => p.name);
    for (const signer of builtinSigners) expect(verifierNames).toContain(signer.name);
  });

  test("option defaults satisfy each schema", () => {
    for (const plugin of builtinPlugins) {
      if (!plugin.options || plugin.name === "jsonata") continue;
      expect(Value.Check(plugin.options, Value.Default(plugin.options, {}))).toBe(true);
    }
  });

  test("every generated secret passes its own check", () => {
    for (const signer of builtinSigners as SignerPlugin[]) {
      if (!signer.generateSecret) continue;
      const secret = signer.generateSecret();
      expect(signer.checkSecret?.(secret)).toBeUndefined();
    }
  });
});
