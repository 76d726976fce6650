/**
 * The management commands against a running relay, over its API: tables for people, --json
 * for scripts, and problem answers as one line with a non-zero exit.
 */
import { describe, expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { type CliRun, runCli, slow } from "../e2e/ops-support.ts";

function cli(relay: Relay, ...args: string[]): Promise<CliRun> {
  return runCli(args, { HOOKRELAY_URL: relay.url, HOOKRELAY_TOKEN: relay.token });
}

async function cliJson<T = any>(relay: Relay, ...args: string[]): Promise<T> {
  const run = await cli(relay, ...args, "--json");
  expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: "" });
  return JSON.parse(run.stdout) as T;
}

describe("management commands", () => {
  test(
    "add, list, change, rotate and remove an endpoint",
    async () => {
      await using relay = await startRelay();
      const created = await cliJson(
        relay,
        "endpoints",
        "add",
        "--endpoint-url",
        "https://billing.example.com/hooks",
        "--event-type",
        "invoice.*",
        "--header",
        "X-Team: billing",
      );
      // A copy: bun 1.4.5's toMatchObject writes its asymmetric matchers into the received object.
      expect({ ...created }).toMatchObject({
        id: expect.stringMatching(/^ep_/),
        eventTypes: ["invoice.*"],
        headers: { "X-Team": "billing" },
        secret: expect.stringMatching(/^whsec_/),
      });
      const table = await cli(relay, "endpoints", "list");
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(created.id);
      expect(table.stdout).toContain("https://billing.example.com/hooks");

      const updated = await cliJson(relay, "endpoints", "update", created.id, "--disable");
      expect(updated.enabled).toBe(false);
      const rotated = await cliJson(
        relay,
        "endpoints",
        "rotate-secret",
        created.id,
        "--overlap",
        "1h",
      );
      expect(rotated.previousSecret).toBe(created.secret);
      const shown = await cliJson(relay, "endpoints", "get", created.id, "--secret");
      expect(shown.secret).toBe(rotated.secret);

      expect((await cli(relay, "endpoints", "rm", created.id)).stdout).toBe(
        `deleted ${created.id}\n`,
      );
      const missing = await cli(relay, "endpoints", "get", created.id);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe(
        `hookrelay: the relay answered 404 not-found: No endpoint with id "${created.id}"\n`,
      );
    },
    slow,
  );

  test(
    "a wrong token is answered with where the command took its token from",
    async () => {
      await using relay = await startRelay();
      const run = await runCli(["endpoints", "list"], {
        HOOKRELAY_URL: relay.url,
        HOOKRELAY_TOKEN: "wrong-token-0123456789abcdef",
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toStartWith("hookrelay: the relay answered 401 unauthorized: ");
      expect(run.stderr).toContain(
        `asked ${new URL(relay.url).origin} (--relay-url, HOOKRELAY_URL)`,
      );
      expect(run.stderr).toContain("--token, HOOKRELAY_TOKEN, HOOKRELAY_API_TOKEN or");
    },
    slow,
  );

  test(
    "publish and inspect events and deliveries, and retry one",
    async () => {
      using receiver = startReceiver();
      await using relay = await startRelay();
      await cliJson(relay, "endpoints", "add", "--endpoint-url", receiver.url);
      const published = await cliJson(
        relay,
        "events",
        "publish",
        "--type",
        "invoice.paid",
        "--payload",
        '{"id":"in_1"}',
        "--idempotency-key",
        "order-42",
      );
      expect(published.deliveries).toHaveLength(1);
      await waitFor("the delivery", () => receiver.requests.length === 1);
      const event = await cliJson(relay, "events", "get", published.id);
      expect({ ...event }).toMatchObject({ id: published.id, payload: { id: "in_1" } });
      const listed = await cliJson<{ id: string }[]>(
        relay,
        "events",
        "list",
        "--type",
        "invoice.paid",
      );
      expect(listed.map((e) => e.id)).toEqual([published.id]);

      const deliveryId = published.deliveries[0].id;
      await waitFor("the delivery to succeed", async () => {
        const delivery = await cliJson(relay, "deliveries", "get", deliveryId);
        return delivery.status === "succeeded";
      });
      const human = await cli(relay, "deliveries", "get", deliveryId);
      expect(human.stdout).toContain("succeeded");
      expect(human.stdout).toMatch(/│ 1 +│/);
      const retried = await cli(relay, "deliveries", "retry", deliveryId);
      expect(retried.code).toBe(1);
      expect(retried.stderr).toContain("409 delivery-succeeded");
    },
    slow,
  );

  test(
    "list --all follows every page past --limit; --json prints the items of every page",
    async () => {
      await using relay = await startRelay();
      // More than one page of 250, the most the CLI asks for at once.
      for (let batch = 0; batch < 13; batch++) {
        const publishes = Array.from({ length: 20 }, (_, i) =>
          relay.json("/v1/events", {
            method: "POST",
            json: { type: "x.y", payload: { batch, i } },
          }),
        );
        await Promise.all(publishes);
      }
      expect(await cliJson<object[]>(relay, "events", "list")).toHaveLength(50);
      const all = await cliJson<{ id: string }[]>(relay, "events", "list", "--all");
      expect(new Set(all.map((event) => event.id)).size).toBe(260);
      const both = await cli(relay, "events", "list", "--all", "--limit", "5");
      expect(both.code).toBe(2);
      expect(both.stderr).toStartWith(
        "error: option '--all' cannot be used with option '--limit <n>'",
      );
    },
    slow,
  );

  test(
    "replay dead letters with a progress bar",
    async () => {
      let failing = true;
      using receiver = startReceiver(() =>
        failing ? new Response("down", { status: 503 }) : new Response("ok"),
      );
      // No retries and no circuit breaker: each event dies after its first attempt.
      await using relay = await startRelay({
        env: { HOOKRELAY_RETRY_SCHEDULE: "", HOOKRELAY_BREAKER_FAILURES: "1000" },
      });
      const endpoint = await cliJson(relay, "endpoints", "add", "--endpoint-url", receiver.url);
      for (let i = 0; i < 30; i++) {
        await relay.json("/v1/events", { method: "POST", json: { type: "x.y", payload: { i } } });
      }
      await waitFor("30 dead letters", async () => {
        const dead = await cliJson<object[]>(relay, "dead-letters", "list", "--limit", "100");
        return dead.length === 30;
      });
      // The table says why a dead letter died, also when there was no status code.
      const table = await cli(relay, "dead-letters", "list", "--limit", "1");
      expect(table.stdout).toContain("last error");
      failing = false;
      const run = await cli(
        relay,
        "dead-letters",
        "replay",
        "--endpoint",
        endpoint.id,
        "--progress",
      );
      expect(run.code).toBe(0);
      expect(run.stdout).toBe("replayed 30 dead letter(s)\n");
      expect(run.stderr).toContain("30/30 dead letters");
      await waitFor("every replayed delivery", () => receiver.requests.length >= 60);
      expect(await cliJson(relay, "dead-letters", "list")).toEqual([]);
    },
    slow,
  );

  test(
    "add, list and remove an inbound source",
    async () => {
      await using relay = await startRelay();
      const endpoint = await cliJson(
        relay,
        "endpoints",
        "add",
        "--endpoint-url",
        "https://ci.example",
      );
      const args = ["--name", "github", "--scheme", "github", "--secret", "s3cret"];
      const source = await cliJson(relay, "sources", "add", ...args, "--destination", endpoint.id);
      expect({ ...source }).toMatchObject({
        ingestPath: "/in/github",
        destinations: [endpoint.id],
      });
      expect((await cli(relay, "sources", "list")).stdout).toContain("/in/github");
      expect((await cli(relay, "sources", "rm", source.id)).code).toBe(0);
      expect(await cliJson(relay, "sources", "list")).toEqual([]);
    },
    slow,
  );

  test(
    "gets, changes and removes a source by its name as well as by its id",
    async () => {
      await using relay = await startRelay();
      const args = ["--name", "github", "--scheme", "github", "--secret", "s3cret"];
      const created = await cliJson(relay, "sources", "add", ...args);
      const byName = await cliJson(relay, "sources", "get", "github");
      expect(byName).toEqual(await cliJson(relay, "sources", "get", created.id));
      expect(byName.id).toBe(created.id);

      const renamed = await cliJson(relay, "sources", "update", "github", "--name", "gh");
      expect({ id: renamed.id, name: renamed.name }).toEqual({ id: created.id, name: "gh" });
      const missing = await cli(relay, "sources", "get", "github");
      expect({ code: missing.code, stderr: missing.stderr }).toEqual({
        code: 1,
        stderr: 'hookrelay: no source with id or name "github"\n',
      });

      expect((await cli(relay, "sources", "rm", "gh")).stdout).toBe(`deleted ${created.id}\n`);
      expect(await cliJson(relay, "sources", "list")).toEqual([]);
    },
    slow,
  );

  test(
    "says that a publish with a used --id or --idempotency-key was a replay",
    async () => {
      await using relay = await startRelay();
      const publish = ["events", "publish", "--type", "invoice.paid", "--payload", "{}"];
      const first = await cli(relay, ...publish, "--idempotency-key", "order-42");
      expect(first.stdout).toStartWith("accepted evt_");
      const id = first.stdout.slice("accepted ".length, first.stdout.indexOf(":"));

      const again = await cli(relay, ...publish, "--idempotency-key", "order-42");
      expect(again.code).toBe(0);
      expect(again.stdout).toStartWith(
        `replayed ${id}: published before with this --id or --idempotency-key; ` +
          "nothing new was created (0 delivery(ies) when it was first accepted)\n",
      );
      expect((await cli(relay, ...publish, "--id", "order-7")).stdout).toStartWith(
        "accepted order-7: ",
      );
      const byId = await cli(relay, ...publish, "--id", "order-7");
      expect(byId.stdout).toStartWith("replayed order-7: ");

      // --json prints the API's answer as it is, and the hint on stderr.
      const json = await cli(relay, ...publish, "--id", "order-7", "--json");
      expect(JSON.parse(json.stdout).id).toBe("order-7");
      expect(json.stderr).toBe("hookrelay: replayed order-7, not new\n");
    },
    slow,
  );

  test(
    "create, list and revoke a token",
    async () => {
      await using relay = await startRelay();
      const run = await cli(relay, "token", "create", "--name", "ci", "--scope", "publish");
      expect(run.code).toBe(0);
      const token = run.stdout.trim();
      expect(token).toMatch(/^hr_[\w-]{43}$/);
      expect(run.stderr).toContain("not shown again");
      const asPublisher = { HOOKRELAY_URL: relay.url, HOOKRELAY_TOKEN: token };
      const publish = ["events", "publish", "--type", "a.b", "--json"];
      expect((await runCli(publish, asPublisher)).code).toBe(0);
      const denied = await runCli(["endpoints", "list"], asPublisher);
      expect(denied.stderr).toContain("403 forbidden");

      const [listed] = await cliJson<{ id: string; name: string }[]>(relay, "token", "list");
      expect({ ...listed }).toMatchObject({ name: "ci", scopes: ["publish"] });
      expect((await cli(relay, "token", "revoke", listed!.id)).code).toBe(0);
      expect((await runCli(publish, asPublisher)).stderr).toContain("401 unauthorized");
    },
    slow,
  );

  test(
    "reads the token the relay generated in its data directory",
    async () => {
      await using relay = await startRelay({ env: { HOOKRELAY_API_TOKEN: "" } });
      const run = await runCli(["endpoints", "list", "--json"], {
        HOOKRELAY_URL: relay.url,
        HOOKRELAY_DATA_DIR: relay.dataDir,
      });
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: "[]\n" });
    },
    slow,
  );
});
