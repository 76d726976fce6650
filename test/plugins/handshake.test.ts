/**
 * PluginRegistry.handshake(): what a verifier's answer to a provider's set-up request may be.
 * An answer the ingest route could not send as a 2xx is a plugin error, not a crash.
 */
import { describe, expect, test } from "bun:test";
import { builtinPlugins } from "../../src/plugins/builtin/index.ts";
import { PluginRegistry } from "../../src/plugins/plugin-registry.ts";
import { definePlugin, type HandshakeAnswer, type VerifyResult } from "../../src/plugins/sdk.ts";

function registryAnswering(answer: unknown): PluginRegistry {
  const plugin = definePlugin({
    kind: "verifier",
    name: "answers",
    version: "1.0.0",
    verify: (): VerifyResult => ({ ok: true }),
    handshake: () => answer as HandshakeAnswer,
  });
  const builtins = builtinPlugins.map((p) => ({ plugin: p, file: undefined }));
  return new PluginRegistry([...builtins, { plugin, file: undefined }], undefined, 1_000);
}

const input = (body: string) => ({
  body: new TextEncoder().encode(body),
  headers: {},
  url: "http://127.0.0.1/in/x",
  secrets: [],
  options: {},
  now: Date.now(),
});

describe("handshake answers", () => {
  test("passes a 2xx answer through, and undefined or null as no handshake", async () => {
    const good = { status: 201, body: "ok", contentType: "text/plain" };
    expect(await registryAnswering(good).handshake("answers", input(""))).toEqual(good);
    expect(await registryAnswering(undefined).handshake("answers", input(""))).toBeUndefined();
    expect(await registryAnswering(null).handshake("answers", input(""))).toBeUndefined();
  });

  test.each([
    ["a redirect", { status: 302, body: "x" }, "not a 2xx"],
    ["a fractional status", { status: 200.5, body: "x" }, "not a 2xx"],
    ["a body with 204", { status: 204, body: "x" }, "a body with status 204"],
    ["a number as body", { body: 42 }, "no string body"],
    ["a header break in the type", { body: "x", contentType: "text/plain\r\nx: y" }, "ASCII"],
    ["a string", "challenge", "something other than an object"],
    ["a huge body", { body: "x".repeat(65_537) }, "over 65536"],
  ])("refuses %s as a plugin error", async (_name, answer, message) => {
    const failing = registryAnswering(answer).handshake("answers", input(""));
    await expect(failing).rejects.toMatchObject({ code: "ERR_PLUGIN" });
    await expect(failing).rejects.toThrow(message);
  });

  test("verifiers without a handshake answer nothing", async () => {
    const registry = registryAnswering(undefined);
    const check = JSON.stringify({ type: "url_verification", challenge: "abc" });
    expect(await registry.handshake("github", input(check))).toBeUndefined();
    expect(await registry.handshake("slack", input(check))).toEqual({
      body: "abc",
      contentType: "text/plain",
    });
    const callback = JSON.stringify({ type: "event_callback", challenge: "abc" });
    expect(await registry.handshake("slack", input(callback))).toBeUndefined();
  });
});
