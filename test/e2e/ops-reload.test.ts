/**
 * Declared endpoints and sources and SIGHUP: those listed in hookrelay.toml are created at
 * start and marked managed; SIGHUP re-reads the file and applies it while deliveries are in
 * flight, losing none; a broken file is refused whole and the relay carries on as it was.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startHeldReceiver, startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { type Endpoint, type Page, publish, waitForStatus, webhookIds } from "./api-fixtures.ts";
import { reload, slow, useTempDir } from "./ops-support.ts";

async function signGithub(secret: string, body: string): Promise<string> {
  const hmac = new Bun.CryptoHasher("sha256", secret);
  return hmac.update(body).digest("hex");
}

function endpointToml(name: string, url: string, extra = ""): string {
  return `[[endpoints]]\nname = "${name}"\nurl = "${url}"\ndescription = "${name} team"\n${extra}`;
}

const refusal = "reload refused; the relay keeps its current configuration";

async function listEndpoints(relay: Relay): Promise<Endpoint[]> {
  return (await relay.json<Page<Endpoint>>("/v1/endpoints")).data;
}

describe("declared endpoints and sources", () => {
  test(
    "are created at start, marked as managed by the file",
    async () => {
      using dir = useTempDir();
      using receiver = startReceiver();
      const path = join(dir.path, "hookrelay.toml");
      const extra = 'event_types = ["invoice.*"]\nheaders = { "X-Team" = "billing" }\n';
      writeFileSync(path, endpointToml("billing", receiver.url, extra));
      await using relay = await startRelay({ env: { HOOKRELAY_CONFIG: path } });
      expect(await listEndpoints(relay)).toEqual([
        expect.objectContaining({
          url: receiver.url,
          description: "[managed:billing] billing team",
          eventTypes: ["invoice.*"],
          headers: { "X-Team": "billing" },
          enabled: true,
        }),
      ]);
      const configured = relay.logs.find((line) => line.msg === "configuration") as {
        config: { endpoints: { name: string }[]; apiToken: string };
      };
      expect(configured.config.endpoints.map((e) => e.name)).toEqual(["billing"]);
      expect(configured.config.apiToken).toBe("[redacted]");
    },
    slow,
  );

  test(
    "SIGHUP adds an endpoint while deliveries are in flight, and none is lost",
    async () => {
      using dir = useTempDir();
      using first = startHeldReceiver();
      using second = startReceiver();
      const path = join(dir.path, "hookrelay.toml");
      writeFileSync(path, endpointToml("first", first.url));
      await using relay = await startRelay({
        env: { HOOKRELAY_CONFIG: path, HOOKRELAY_ATTEMPT_TIMEOUT: "30s" },
      });
      const before = [];
      for (let i = 0; i < 6; i++) {
        before.push((await publish(relay, { type: "t.x", payload: { i } })).body);
      }
      await waitFor("four deliveries in flight", () => first.requests.length >= 4);

      const reloaded = await reload(
        relay,
        path,
        `${endpointToml("first", first.url)}\n${endpointToml("second", second.url)}` +
          "\n[delivery]\nendpoint_concurrency = 8\n",
        "configuration reloaded",
      );
      expect(reloaded.applied).toEqual(["delivery.endpoint_concurrency", "endpoints"]);
      const after = (await publish(relay, { type: "t.x", payload: { i: "after" } })).body;
      expect(after.deliveries).toHaveLength(2);
      first.release();

      for (const event of [...before, after]) {
        for (const delivery of event.deliveries) {
          const done = await waitForStatus(relay, delivery.id, "succeeded");
          expect(done.attempts.filter((a) => a.statusCode !== 200)).toEqual([]);
        }
      }
      const firstIds = new Set(first.requests.map((r) => r.headers["webhook-id"]));
      expect([...before, after].every((event) => firstIds.has(event.id))).toBe(true);
      expect(second.requests.map((r) => r.headers["webhook-id"])).toEqual([after.id]);
    },
    slow,
  );

  test(
    "SIGHUP sends a delivery waiting in memory to the endpoint's new URL",
    async () => {
      using dir = useTempDir();
      using before = startHeldReceiver();
      using after = startReceiver();
      const path = join(dir.path, "hookrelay.toml");
      writeFileSync(path, endpointToml("moving", before.url));
      // One slot: the first event is in flight, the second waits in memory for the slot.
      const env = { HOOKRELAY_CONCURRENCY: "1", HOOKRELAY_ENDPOINT_CONCURRENCY: "1" };
      await using relay = await startRelay({ env: { ...env, HOOKRELAY_CONFIG: path } });
      const [endpoint] = await listEndpoints(relay);
      const first = (await publish(relay, { type: "t.one", payload: {} })).body;
      await waitFor("the first attempt to be in flight", () => before.requests.length === 1);
      const second = (await publish(relay, { type: "t.two", payload: {} })).body;

      const moved = endpointToml("moving", after.url);
      const summary = await reload(relay, path, moved, "declared endpoints applied");
      expect(summary).toMatchObject({ updated: [endpoint!.id] });
      before.release();
      await waitForStatus(relay, first.deliveries[0]!.id, "succeeded");
      await waitForStatus(relay, second.deliveries[0]!.id, "succeeded");
      expect(webhookIds(before.requests)).toEqual([first.id]);
      expect(webhookIds(after.requests)).toEqual([second.id]);
    },
    slow,
  );

  test(
    "SIGHUP refuses a broken file whole and keeps the running configuration",
    async () => {
      using dir = useTempDir();
      using receiver = startReceiver();
      const path = join(dir.path, "hookrelay.toml");
      writeFileSync(path, endpointToml("kept", receiver.url));
      await using relay = await startRelay({ env: { HOOKRELAY_CONFIG: path } });
      const broken =
        `${endpointToml("kept", "ftp://nowhere.example")}\n${endpointToml("new", receiver.url)}` +
        '\n[delivery]\nconcurrency = "lots"\n';
      const refused = await reload(relay, path, broken, refusal);
      expect(refused.problems).toEqual([
        `${path}:12: delivery.concurrency: expected an integer from 1 to 10000, got "lots"`,
      ]);
      const badUrl = endpointToml("kept", "ftp://nowhere.example");
      const refusedAgain = await reload(relay, path, badUrl, refusal);
      expect(refusedAgain.problems).toEqual([
        `${path}:3: endpoints[0].url: must be an absolute http or https URL`,
      ]);
      expect((await listEndpoints(relay)).map((e) => [e.url, e.description])).toEqual([
        [receiver.url, "[managed:kept] kept team"],
      ]);
      const event = (await publish(relay, { type: "still.working", payload: {} })).body;
      await waitForStatus(relay, event.deliveries[0]!.id, "succeeded");
    },
    slow,
  );

  test(
    "SIGHUP undoes API edits to a managed endpoint and deletes one the file dropped",
    async () => {
      using dir = useTempDir();
      using receiver = startReceiver();
      const path = join(dir.path, "hookrelay.toml");
      const both = `${endpointToml("stays", receiver.url)}\n${endpointToml("goes", receiver.url)}`;
      writeFileSync(path, both);
      await using relay = await startRelay({ env: { HOOKRELAY_CONFIG: path } });
      const byName = (name: string) =>
        listEndpoints(relay).then((all) => all.find((e) => e.description.includes(`:${name}]`)));
      const stays = await byName("stays");
      const goes = await byName("goes");
      // Rewriting the description drops the mark; managed.json still knows the id.
      await relay.json(`/v1/endpoints/${stays!.id}`, {
        method: "PATCH",
        json: { description: "hand-edited", eventTypes: ["other.*"] },
      });
      await relay.json(`/v1/endpoints/${goes!.id}`, {
        method: "PATCH",
        json: { url: "https://elsewhere.example/hooks", eventTypes: ["other.*"] },
      });
      const text = endpointToml("stays", receiver.url);
      const summary = await reload(relay, path, text, "declared endpoints applied");
      expect(summary).toMatchObject({ updated: [stays!.id], deleted: [goes!.id], created: [] });
      expect(
        (await listEndpoints(relay)).map((e) => [e.id, e.url, e.description, e.eventTypes]),
      ).toEqual([[stays!.id, receiver.url, "[managed:stays] stays team", []]]);
    },
    slow,
  );

  test(
    "a SIGHUP with the file unchanged leaves a declared source alone",
    async () => {
      using dir = useTempDir();
      using receiver = startReceiver();
      const path = join(dir.path, "hookrelay.toml");
      const text = [
        endpointToml("ci", receiver.url),
        "[[sources]]",
        'name = "github"',
        'destinations = ["ci"]',
        'forward_headers = ["x-request-id"]',
        'response = { status = 200, body = "ok" }',
        "[sources.verifier]",
        'scheme = "github"',
        'secrets = ["gh-secret-0123456789"]',
      ].join("\n");
      writeFileSync(path, `${text}\n`);
      await using relay = await startRelay({ env: { HOOKRELAY_CONFIG: path } });
      const sourceNamed = async () =>
        (await relay.json<Page<{ name: string; updatedAt: string }>>("/v1/sources")).data.find(
          (source) => source.name === "github",
        );
      const before = await sourceNamed();
      expect(before).toBeDefined();

      const applied = await reload(relay, path, `${text}\n`, "declared sources applied");
      expect(applied).toMatchObject({ created: [], updated: [], deleted: [], unchanged: 1 });
      expect((await sourceNamed())?.updatedAt).toBe(before?.updatedAt);

      const changed = text.replace('body = "ok"', 'body = "thanks"');
      const again = await reload(relay, path, `${changed}\n`, "declared sources applied");
      expect(again).toMatchObject({ updated: [expect.stringMatching(/^src_/)], unchanged: 0 });
    },
    slow,
  );

  test(
    "a declared source delivers to a declared endpoint and goes when SIGHUP drops it",
    async () => {
      using dir = useTempDir();
      using receiver = startReceiver();
      const path = join(dir.path, "hookrelay.toml");
      writeFileSync(join(dir.path, "github.secret"), "gh-secret\n");
      const source = [
        "[[sources]]",
        'name = "github"',
        'destinations = ["ci"]',
        "[sources.verifier]",
        'scheme = "github"',
        'secret_files = ["github.secret"]',
      ].join("\n");
      writeFileSync(path, `${endpointToml("ci", receiver.url)}\n${source}\n`);
      await using relay = await startRelay({ env: { HOOKRELAY_CONFIG: path } });
      const body = '{"zen":"Keep it logically awesome."}';
      const response = await fetch(`${relay.url}/in/github`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "ping",
          "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
          "x-hub-signature-256": `sha256=${await signGithub("gh-secret", body)}`,
        },
        body,
      });
      expect(response.status).toBe(202);
      const [delivered] = await waitFor("the inbound event at the declared endpoint", () =>
        receiver.requests.length > 0 ? receiver.requests : undefined,
      );
      expect(delivered!.body).toBe(body);

      const applied = await reload(
        relay,
        path,
        endpointToml("ci", receiver.url),
        "declared sources applied",
      );
      expect(applied).toMatchObject({ deleted: [expect.stringMatching(/^src_/)], declared: 0 });
      expect((await relay.json<Page<unknown>>("/v1/sources")).data).toEqual([]);
      expect((await fetch(`${relay.url}/in/github`, { method: "POST", body })).status).toBe(404);
    },
    slow,
  );
});
