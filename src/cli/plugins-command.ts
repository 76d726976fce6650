/**
 * `hookrelay plugins list` shows what a relay would load; `hookrelay plugins test <file>` is
 * the authoring loop: load one plugin as the relay would, run it against fixture files, and
 * compare what it returns with what each fixture expects.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { type ConfigFlags, loadConfig } from "../config/config.ts";
import { builtinPlugins } from "../plugins/builtin/index.ts";
import { loadPluginFiles } from "../plugins/load-plugins.ts";
import { startPluginHost } from "../plugins/plugin-host.ts";
import type { PluginMethod } from "../plugins/sandbox-protocol.ts";
import { PluginSandbox } from "../plugins/sandbox.ts";
import {
  brokenPluginsError,
  collectBrokenPlugins,
  lenientAdvice,
  reportSkippedPlugins,
} from "./broken-plugins.ts";
import { printJson, printTable } from "./output.ts";

export async function runPluginsList(flags: ConfigFlags & { json?: boolean }): Promise<void> {
  const config = loadConfig(process.env, flags);
  const broken = collectBrokenPlugins();
  const host = await startPluginHost({
    pluginsDir: config.pluginsDir,
    lenient: true,
    timeoutMs: config.pluginTimeoutMs,
    log: broken.log,
  });
  if (broken.problems.length > 0 && !config.lenientPlugins) {
    host.close();
    throw brokenPluginsError(broken.problems, lenientAdvice);
  }
  reportSkippedPlugins(broken.problems);
  const rows = host.registry.list().map(({ plugin, file }) => ({
    name: plugin.name,
    kind: plugin.kind,
    version: plugin.version,
    source: file ?? "built-in",
  }));
  host.close();
  if (flags.json) printJson(rows);
  else printTable(rows, { name: "name", kind: "kind", version: "version", source: "source" });
}

interface Fixture {
  name?: string;
  call: PluginMethod;
  input?: Record<string, unknown>;
  expect: unknown;
}

const fixtureKeys = ["name", "call", "input", "expect"];

export async function runPluginsTest(
  file: string,
  options: { fixtures?: string; timeout?: string },
): Promise<void> {
  const path = resolve(file);
  const broken = collectBrokenPlugins();
  const [loaded] = await loadPluginFiles([path], {
    lenient: true,
    log: broken.log,
    takenNames: new Set(builtinPlugins.map((p) => `${p.kind}:${p.name}`)),
  });
  if (!loaded) throw brokenPluginsError(broken.problems, "it is not a plugin the relay can use");
  console.log(`${loaded.plugin.name} ${loaded.plugin.version} (${loaded.plugin.kind}): loads`);
  const dir =
    options.fixtures ?? join(dirname(path), `${basename(path).replace(/\.[^.]+$/, "")}.fixtures`);
  // A file where the directory should be lists nothing, like a missing one.
  const isDir = existsSync(dir) && statSync(dir).isDirectory();
  const fixtures = isDir ? readdirSync(dir).filter((n) => n.endsWith(".json")) : [];
  if (fixtures.length === 0) {
    // Nothing tested is a failure: a mistyped --fixtures must not turn CI green.
    console.error(
      `hookrelay: no fixtures in ${dir}: nothing was tested; add *.json files with ` +
        "{call, input, expect} there, or point --fixtures at them",
    );
    process.exitCode = 1;
    return;
  }
  const sandbox = new PluginSandbox({ timeoutMs: Number(options.timeout ?? 1000), workers: 1 });
  let failed = 0;
  for (const name of fixtures.sort()) {
    const fixture = readFixture(join(dir, name));
    if (typeof fixture === "string") {
      failed++;
      console.log(`  FAIL  ${name}: ${fixture}`);
      continue;
    }
    const label = fixture.name ?? name;
    try {
      const actual = normalize(
        await sandbox.call(path, fixture.call, [decodeInput(fixture.input ?? {})]),
      );
      if (isDeepStrictEqual(actual, fixture.expect)) console.log(`  pass  ${label}`);
      else {
        failed++;
        console.log(`  FAIL  ${label}\n    expected ${JSON.stringify(fixture.expect)}`);
        console.log(`    got      ${JSON.stringify(actual)}`);
      }
    } catch (error) {
      failed++;
      console.log(`  FAIL  ${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  sandbox.close();
  if (failed > 0) {
    console.log(`${failed} fixture(s) failed`);
    process.exitCode = 1;
  }
}

/**
 * A fixture file, or why it is none. Every key is checked: a misspelt `expect` once left the
 * fixture without one, and a missing expectation passed whatever the plugin returned.
 */
function readFixture(path: string): Fixture | string {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return "not JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "expected an object with call, input and expect";
  }
  const unknown = Object.keys(value).filter((key) => !fixtureKeys.includes(key));
  if (unknown.length > 0) {
    const named = unknown.map((key) => `"${key}"`).join(", ");
    return `unknown key ${named}; a fixture has ${fixtureKeys.join(", ")}`;
  }
  if (!("call" in value)) return 'no "call": which method to run';
  if (!("expect" in value)) return 'no "expect"; "expect": null is a call that returns nothing';
  return value as Fixture;
}

/** Fixture bodies are written as text; the plugin sees bytes, as it would in the relay. */
function decodeInput(input: Record<string, unknown>): Record<string, unknown> {
  const encoder = new TextEncoder();
  const out: Record<string, unknown> = { options: {}, secrets: [], headers: {}, ...input };
  if (typeof out.body === "string") out.body = encoder.encode(out.body);
  const event = out.event as Record<string, unknown> | undefined;
  if (event && typeof event.body === "string") {
    out.event = { ...event, body: encoder.encode(event.body) };
  }
  return out;
}

/**
 * A result as JSON would write it, so a fixture can say it: bytes as UTF-8 text, `undefined`
 * (a call that returns nothing, a handshake for an ordinary event) as null, and properties
 * that are undefined left out.
 */
function normalize(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    const defined = Object.entries(value).filter(([, v]) => v !== undefined);
    return Object.fromEntries(defined.map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}
