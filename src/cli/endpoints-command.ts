/** `hookrelay endpoints list|get|add|update|rm|rotate-secret|test`, through the relay's API. */
import type { Command } from "commander";
import {
  collect,
  parseCount,
  parseDurationSeconds,
  parseHeaders,
  parseJsonArgument,
  parseOptions,
} from "./arguments.ts";
import { print, printRecord, printTable } from "./output.ts";
import {
  type ClientOptions,
  createRelayClient,
  fetchPages,
  withClientOptions,
} from "./relay-client.ts";

interface Endpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  signing: { scheme: string };
  secret?: string;
}

interface EndpointFlags extends ClientOptions {
  endpointUrl?: string;
  description?: string;
  eventType?: string[];
  header?: string[];
  scheme?: string;
  option?: string[];
  secret?: string;
  disabled?: boolean;
  enable?: boolean;
  disable?: boolean;
}

const columns = {
  id: "id",
  url: "url",
  eventTypes: "event types",
  enabled: "enabled",
  description: "description",
};

export function registerEndpointCommands(program: Command): void {
  const endpoints = program.command("endpoints").description("manage endpoints of a running relay");

  withClientOptions(endpoints.command("list").description("list endpoints"))
    .option("--limit <n>", "at most this many (default: all)")
    .addHelpText("after", "\nExample:\n  HOOKRELAY_TOKEN=hr_… hookrelay endpoints list --json")
    .action(async (flags: ClientOptions & { limit?: string }) => {
      const client = createRelayClient(flags);
      const limit = parseCount(flags.limit, "--limit");
      const rows = await fetchPages<Endpoint>(client, "/v1/endpoints", {}, limit);
      print(rows, flags.json, () => printTable(rows, columns));
    });

  withClientOptions(endpoints.command("get <id>").description("show one endpoint"))
    .option("--secret", "include its signing secret")
    .addHelpText("after", "\nExample:\n  hookrelay endpoints get ep_01J… --secret")
    .action(async (id: string, flags: ClientOptions & { secret?: boolean }) => {
      const client = createRelayClient(flags);
      const path = `/v1/endpoints/${encodeURIComponent(id)}`;
      const endpoint = await client.request<Record<string, unknown>>("GET", path);
      const secret = flags.secret ? await client.request<object>("GET", `${path}/secret`) : {};
      const shown = { ...endpoint, ...secret };
      print(shown, flags.json, () => printRecord(shown));
    });

  withEndpointFields(
    withClientOptions(endpoints.command("add").description("register an endpoint")),
  )
    .requiredOption("--endpoint-url <url>", "where events are POSTed")
    .option("--secret <secret>", "signing secret (default: generated, printed once)")
    .option("--disabled", "create it disabled")
    .addHelpText(
      "after",
      "\nExample:\n  hookrelay endpoints add --endpoint-url https://example.com/hooks " +
        "--event-type 'invoice.*' --header 'X-Team: billing'",
    )
    .action(async (flags: EndpointFlags) => {
      const body = { ...endpointBody(flags), url: flags.endpointUrl };
      if (flags.secret !== undefined) Object.assign(body, { secret: flags.secret });
      if (flags.disabled) Object.assign(body, { enabled: false });
      const created = await createRelayClient(flags).request<Endpoint>(
        "POST",
        "/v1/endpoints",
        body,
      );
      print(created, flags.json, () => printRecord(created));
    });

  withEndpointFields(
    withClientOptions(endpoints.command("update <id>").description("change an endpoint")),
  )
    .option("--endpoint-url <url>", "new destination URL")
    .option("--enable", "enable it (resumes its waiting deliveries)")
    .option("--disable", "disable it (new deliveries wait)")
    .addHelpText("after", "\nExample:\n  hookrelay endpoints update ep_01J… --disable")
    .action(async (id: string, flags: EndpointFlags) => {
      const body: Record<string, unknown> = endpointBody(flags);
      if (flags.endpointUrl !== undefined) body.url = flags.endpointUrl;
      if (flags.enable) body.enabled = true;
      if (flags.disable) body.enabled = false;
      const path = `/v1/endpoints/${encodeURIComponent(id)}`;
      const updated = await createRelayClient(flags).request<Endpoint>("PATCH", path, body);
      print(updated, flags.json, () => printRecord(updated));
    });

  withClientOptions(endpoints.command("rm <id>").description("delete an endpoint"))
    .addHelpText("after", "\nExample:\n  hookrelay endpoints rm ep_01J…")
    .action(async (id: string, flags: ClientOptions) => {
      await createRelayClient(flags).request("DELETE", `/v1/endpoints/${encodeURIComponent(id)}`);
      print({ deleted: id }, flags.json, () => console.log(`deleted ${id}`));
    });

  withClientOptions(
    endpoints.command("rotate-secret <id>").description("rotate the signing secret"),
  )
    .option("--secret <secret>", "the new secret (default: generated)")
    .option("--overlap <duration>", "how long the old secret keeps signing (default 24h)")
    .addHelpText("after", "\nExample:\n  hookrelay endpoints rotate-secret ep_01J… --overlap 1h")
    .action(async (id: string, flags: ClientOptions & { secret?: string; overlap?: string }) => {
      const body: Record<string, unknown> = {};
      if (flags.secret !== undefined) body.secret = flags.secret;
      const overlapSeconds = parseDurationSeconds(flags.overlap, "--overlap");
      if (overlapSeconds !== undefined) body.overlapSeconds = overlapSeconds;
      const path = `/v1/endpoints/${encodeURIComponent(id)}/rotate-secret`;
      const rotated = await createRelayClient(flags).request<object>("POST", path, body);
      print(rotated, flags.json, () => printRecord(rotated));
    });

  withClientOptions(
    endpoints
      .command("test <id>")
      .description("send a signed test event to this endpoint only, whatever its event types"),
  )
    .option("--type <type>", "the event type (default hookrelay.test)")
    .option("--payload <json>", "the payload as JSON (default a short message)")
    .addHelpText("after", "\nExample:\n  hookrelay endpoints test ep_01J… --type invoice.paid")
    .action(async (id: string, flags: ClientOptions & { type?: string; payload?: string }) => {
      const body: Record<string, unknown> = {};
      if (flags.type !== undefined) body.type = flags.type;
      if (flags.payload !== undefined) body.payload = parseJsonArgument(flags.payload, "--payload");
      const path = `/v1/endpoints/${encodeURIComponent(id)}/test`;
      const sent = await createRelayClient(flags).request<object>("POST", path, body);
      print(sent, flags.json, () => printRecord(sent));
    });
}

function withEndpointFields(command: Command): Command {
  return command
    .option("--description <text>", "what the endpoint is for")
    .option("--event-type <pattern>", "event types it wants, repeatable (invoice.*)", collect)
    .option("--header <header>", "extra request header 'Name: value', repeatable", collect)
    .option("--scheme <name>", "signing scheme (default standard-webhooks)")
    .option("--option <key=value>", "signing scheme option, repeatable", collect);
}

function endpointBody(flags: EndpointFlags): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (flags.description !== undefined) body.description = flags.description;
  if (flags.eventType) body.eventTypes = flags.eventType;
  if (flags.header) body.headers = parseHeaders(flags.header);
  if (flags.scheme || flags.option) {
    body.signing = {
      scheme: flags.scheme ?? "standard-webhooks",
      options: parseOptions(flags.option),
    };
  }
  return body;
}
