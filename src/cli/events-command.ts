/** `hookrelay events publish|get|list`, through the relay's API. */
import type { Command } from "commander";
import { parseJsonArgument, readInput } from "./arguments.ts";
import { print, printRecord, printTable } from "./output.ts";
import {
  type ClientOptions,
  createRelayClient,
  fetchPages,
  listLimit,
  withClientOptions,
  withListOptions,
} from "./relay-client.ts";

interface PublishFlags extends ClientOptions {
  type: string;
  payload?: string;
  payloadFile?: string;
  id?: string;
  idempotencyKey?: string;
}

const deliveryColumns = {
  id: "delivery",
  endpointId: "endpoint",
  status: "status",
  attemptCount: "attempts",
  lastStatusCode: "last status",
  lastError: "last error",
  nextAttemptAt: "next attempt",
};

export function registerEventCommands(program: Command): void {
  const events = program.command("events").description("publish and inspect events");

  withClientOptions(events.command("publish").description("publish an event"))
    .requiredOption("--type <type>", "event type, e.g. invoice.paid")
    .option("--payload <json>", "the payload as JSON")
    .option("--payload-file <file>", "read the payload from a JSON file (- for stdin)")
    .option("--id <id>", "your own event id (becomes webhook-id)")
    .option("--idempotency-key <key>", "makes a retried publish harmless")
    .addHelpText(
      "after",
      '\nExample:\n  hookrelay events publish --type invoice.paid --payload \'{"id":"in_1"}\'',
    )
    .action(async (flags: PublishFlags) => {
      const payload =
        flags.payloadFile !== undefined
          ? parseJsonArgument(readInput(flags.payloadFile).toString("utf8"), "--payload-file")
          : parseJsonArgument(flags.payload ?? "null", "--payload");
      const body: Record<string, unknown> = { type: flags.type, payload };
      if (flags.id !== undefined) body.id = flags.id;
      const headers: Record<string, string> = {};
      if (flags.idempotencyKey !== undefined) headers["idempotency-key"] = flags.idempotencyKey;
      const client = createRelayClient(flags);
      const { body: answer, headers: answered } = await client.exchange<{
        id: string;
        deliveries: object[];
      }>("POST", "/v1/events", body, headers);
      // A replay is the original answer again (docs/api.md): say so, or it reads as new.
      const replayed = answered.get("idempotent-replayed") === "true";
      // --json prints the API's JSON untouched; the hint goes where hints go.
      if (replayed && flags.json) console.error(`hookrelay: replayed ${answer.id}, not new`);
      print(answer, flags.json, () => {
        const count = `${answer.deliveries.length} delivery(ies)`;
        console.log(
          replayed
            ? `replayed ${answer.id}: published before with this --id or --idempotency-key; ` +
                `nothing new was created (${count} when it was first accepted)`
            : `accepted ${answer.id}: ${count}`,
        );
        printTable(answer.deliveries, { id: "delivery", endpointId: "endpoint" });
      });
    });

  withClientOptions(events.command("get <id>").description("show an event and its deliveries"))
    .addHelpText("after", "\nExample:\n  hookrelay events get evt_01J…")
    .action(async (id: string, flags: ClientOptions) => {
      const path = `/v1/events/${encodeURIComponent(id)}`;
      const event = await createRelayClient(flags).request<{ deliveries: object[] }>("GET", path);
      print(event, flags.json, () => {
        const { deliveries, ...rest } = event;
        printRecord(rest);
        printTable(deliveries, deliveryColumns);
      });
    });

  withListOptions(
    withClientOptions(events.command("list").description("list events, newest first")),
    "50",
  )
    .option("--type <type>", "only this event type")
    .addHelpText("after", "\nExample:\n  hookrelay events list --type invoice.paid --limit 10")
    .action(async (flags: ClientOptions & { type?: string; limit?: string; all?: boolean }) => {
      const limit = listLimit(flags);
      const rows = await fetchPages<object>(
        createRelayClient(flags),
        "/v1/events",
        { type: flags.type },
        limit,
      );
      print(rows, flags.json, () =>
        printTable(rows, { id: "id", type: "type", createdAt: "created" }),
      );
    });
}

export { deliveryColumns };
