/**
 * `hookrelay verify` checks a signature locally with the relay's own verifier plugins, the
 * tool for "the receiver says signature mismatch". Signatures here come from the providers'
 * own libraries (standardwebhooks, @octokit/webhooks-methods), not from our signers.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sign as signGithub } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import { runCli, useTempDir } from "../e2e/ops-support.ts";

const body = '{"type":"invoice.paid","data":{"id":"in_1"}}';
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

function standardWebhooksHeaders(payload: string, at: Date) {
  const signature = new Webhook(secret).sign("msg_1", at, payload);
  return [
    "--header",
    "webhook-id: msg_1",
    "--header",
    `webhook-timestamp: ${Math.floor(at.getTime() / 1000)}`,
    "--header",
    `webhook-signature: ${signature}`,
  ];
}

describe("hookrelay verify", () => {
  test("accepts a valid Standard Webhooks signature and reports the body's digest", async () => {
    using dir = useTempDir();
    const file = join(dir.path, "body.json");
    writeFileSync(file, body);
    const headers = standardWebhooksHeaders(body, new Date());
    const args = ["verify", "--scheme", "standard-webhooks", "--body", file, "--secret", secret];
    const run = await runCli([...args, ...headers, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      scheme: "standard-webhooks",
      valid: true,
      bodyBytes: body.length,
      bodySha256: createHash("sha256").update(body).digest("hex"),
    });
  });

  test("refuses a re-serialised body with exit 1 and says what to compare", async () => {
    using dir = useTempDir();
    const file = join(dir.path, "body.json");
    writeFileSync(file, JSON.stringify(JSON.parse(body), null, 2));
    const headers = standardWebhooksHeaders(body, new Date());
    const args = ["verify", "--scheme", "standard-webhooks", "--body", file, "--secret", secret];
    const run = await runCli([...args, ...headers]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/reason\s+│ bad_signature/);
    expect(run.stderr).toContain("compare the body SHA-256");
  });

  test("checks an old request against --now instead of the clock", async () => {
    using dir = useTempDir();
    const file = join(dir.path, "body.json");
    writeFileSync(file, body);
    const then = new Date("2026-01-02T03:04:05Z");
    const args = ["verify", "--scheme", "standard-webhooks", "--body", file, "--secret", secret];
    const stale = await runCli([...args, ...standardWebhooksHeaders(body, then), "--json"]);
    expect(JSON.parse(stale.stdout)).toMatchObject({ valid: false, reason: "stale_timestamp" });
    const atThatTime = [
      ...args,
      ...standardWebhooksHeaders(body, then),
      "--now",
      then.toISOString(),
    ];
    expect((await runCli(atThatTime)).code).toBe(0);
  });

  test("verifies a GitHub delivery from a headers file and a secret file", async () => {
    using dir = useTempDir();
    const githubSecret = "it's a secret to everybody";
    const payload = '{"action":"opened","number":1}';
    writeFileSync(join(dir.path, "body.json"), payload);
    writeFileSync(join(dir.path, "secret"), `${githubSecret}\n`);
    const signature = await signGithub(githubSecret, payload);
    writeFileSync(
      join(dir.path, "headers.txt"),
      `POST /hooks HTTP/1.1\nX-GitHub-Event: pull_request\nX-GitHub-Delivery: 72d3162e\n` +
        `X-Hub-Signature-256: ${signature}\n`,
    );
    const run = await runCli([
      "verify",
      "--scheme",
      "github",
      "--body",
      join(dir.path, "body.json"),
      "--secret-file",
      join(dir.path, "secret"),
      "--headers-file",
      join(dir.path, "headers.txt"),
      "--json",
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ valid: true, eventType: expect.any(String) });
  });

  test("names the known schemes when --scheme is none of them, and exits 2", async () => {
    using dir = useTempDir();
    const file = join(dir.path, "body.json");
    writeFileSync(file, body);
    const run = await runCli(["verify", "--scheme", "nope", "--body", file, "--secret", secret]);

    expect(run.code).toBe(2);
    // The same list as the API's answer for a source with an unknown scheme.
    const known =
      /^hookrelay: invalid argument: --scheme: no verifier plugin named "nope" \(known: (.+)\)\n$/;
    expect(run.stderr).toMatch(known);
    const names = known.exec(run.stderr)?.[1]?.split(", ");
    expect(names).toEqual(expect.arrayContaining(["standard-webhooks", "github", "stripe"]));
  });
});
