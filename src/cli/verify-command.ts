/**
 * `hookrelay verify`: checks a webhook signature locally with the same verifier plugins the
 * relay's inbound sources use (every built-in scheme, and the plugins directory's), for when
 * a receiver reports "signature mismatch". It also prints the body's size and SHA-256: the
 * usual cause is a body that was re-serialised or re-encoded on the way, not a wrong secret.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { type ConfigFlags, loadConfig } from "../config/config.ts";
import { type PluginHost, startPluginHost } from "../plugins/plugin-host.ts";
import { collect, invalidArgument, parseHeaders, parseOptions, readInput } from "./arguments.ts";
import {
  brokenPluginsError,
  collectBrokenPlugins,
  lenientAdvice,
  reportSkippedPlugins,
} from "./broken-plugins.ts";
import { print, printRecord } from "./output.ts";

interface VerifyFlags extends ConfigFlags {
  scheme: string;
  body: string;
  secret?: string[];
  secretFile?: string;
  header?: string[];
  headersFile?: string;
  requestUrl?: string;
  option?: string[];
  now?: string;
  json?: boolean;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command("verify")
    .description("check a webhook signature locally: scheme, secret, headers, body file")
    .requiredOption("--scheme <name>", "verifier, e.g. standard-webhooks, stripe, github")
    .requiredOption("--body <file>", "the exact request body bytes (- for stdin)")
    .option("--secret <secret>", "a secret to try, repeatable (prefer --secret-file)", collect)
    .option("--secret-file <file>", "read the secret from a file")
    .option("--header <header>", "a request header 'Name: value', repeatable", collect)
    .option("--headers-file <file>", "request headers, one 'Name: value' per line")
    .option("--request-url <url>", "the request's URL, for schemes that sign it")
    .option("--option <key=value>", "verifier option, repeatable", collect)
    .option("--now <time>", "check timestamps against this time (unix seconds or ISO)")
    .option("--plugins-dir <dir>", "plugin files to load (default ./plugins)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      "\nExit status 0 when the signature is valid, 1 when it is not, 2 for a usage error\n" +
        "(an unknown --scheme, say).\n\nExample:\n" +
        "  hookrelay verify --scheme github --secret-file gh.secret --body payload.json \\\n" +
        "    --header 'X-Hub-Signature-256: sha256=…'",
    )
    .action((flags: VerifyFlags) => runVerify(flags));
}

async function runVerify(flags: VerifyFlags): Promise<void> {
  const config = loadConfig(process.env, { pluginsDir: flags.pluginsDir, config: flags.config });
  const body = new Uint8Array(readInput(flags.body));
  const secrets = [...(flags.secret ?? [])];
  if (flags.secretFile) secrets.push(readInput(flags.secretFile).toString("utf8").trim());
  const headers = lowerCase({
    ...parseHeaders(flags.headersFile ? headerLines(flags.headersFile) : [], "--headers-file"),
    ...parseHeaders(flags.header),
  });
  const broken = collectBrokenPlugins();
  const host = await startPluginHost({
    pluginsDir: config.pluginsDir,
    lenient: true,
    timeoutMs: config.pluginTimeoutMs,
    log: broken.log,
  });
  try {
    if (broken.problems.length > 0 && !config.lenientPlugins) {
      throw brokenPluginsError(broken.problems, lenientAdvice);
    }
    reportSkippedPlugins(broken.problems);
    if (!host.registry.find("verifier", flags.scheme)) throw unknownScheme(host, flags.scheme);
    const input = {
      body,
      headers,
      url: flags.requestUrl ?? "http://localhost/",
      secrets,
      options: parseOptions(flags.option),
      now: parseNow(flags.now),
    };
    const result = await host.registry.verify(flags.scheme, input);
    const facts = result.ok ? await host.registry.describe(flags.scheme, input) : {};
    const report = {
      scheme: flags.scheme,
      bodyBytes: body.byteLength,
      bodySha256: createHash("sha256").update(body).digest("hex"),
      headers: Object.keys(headers),
      valid: result.ok,
      ...(result.ok ? facts : { reason: result.reason, detail: result.detail }),
    };
    print(report, flags.json, () => {
      printRecord(report);
      if (!result.ok) console.error(hintFor(result.reason));
    });
    if (!result.ok) process.exitCode = 1;
  } finally {
    host.close();
  }
}

/** The same list the API gives for a source with an unknown scheme. */
function unknownScheme(host: PluginHost, scheme: string) {
  const known = host.registry
    .list()
    .filter(({ plugin }) => plugin.kind === "verifier")
    .map(({ plugin }) => plugin.name);
  return invalidArgument(
    `--scheme: no verifier plugin named "${scheme}" (known: ${known.join(", ")})`,
  );
}

/** Header lines as copied from a log or `curl -D`; the request or status line is skipped. */
function headerLines(path: string): string[] {
  return readFileSync(path, "utf8")
    .split(/\r?\n/)
    .filter((line) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/.test(line));
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function parseNow(text: string | undefined): number {
  if (text === undefined) return Date.now();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const time = Date.parse(text);
  return Number.isNaN(time) ? Date.now() : time;
}

function hintFor(reason: string): string {
  const hints: Record<string, string> = {
    missing_signature: "hint: the scheme's signature header is not among the headers given",
    malformed_signature: "hint: the signature header is there but not in the scheme's format",
    bad_signature:
      "hint: compare the body SHA-256 with what the sender signed; a re-serialised or " +
      "re-encoded body, or the wrong secret (or its whsec_ prefix), breaks the signature",
    stale_timestamp: "hint: the signed timestamp is too old or new; pass --now <request time>",
    missing_secret: "hint: give the secret with --secret-file or --secret",
  };
  return hints[reason] ?? `hint: the verifier refused it (${reason})`;
}
