/**
 * `hookrelay deliveries list|get|retry` and `hookrelay dead-letters list|replay`. A replay
 * goes one delivery at a time through POST /v1/deliveries/:id/retry, a few in parallel, so
 * 50,000 dead letters show a progress bar and never become one huge write transaction.
 */
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { parseCount, parseSince } from "./arguments.ts";
import { deliveryColumns } from "./events-command.ts";
import { print, printRecord, printTable } from "./output.ts";
import {
  type ClientOptions,
  createRelayClient,
  fetchPages,
  listLimit,
  type RelayClient,
  withClientOptions,
  withListOptions,
} from "./relay-client.ts";

interface Delivery {
  id: string;
  finishedAt: string | null;
  attempts?: object[];
}

interface ListFlags extends ClientOptions {
  status?: string;
  endpoint?: string;
  event?: string;
  limit?: string;
  all?: boolean;
}

interface ReplayFlags extends ClientOptions {
  endpoint?: string;
  since?: string;
  until?: string;
  concurrency?: string;
  progress?: boolean;
}

export function registerDeliveryCommands(program: Command): void {
  const deliveries = program.command("deliveries").description("inspect and retry deliveries");

  withListOptions(
    withClientOptions(deliveries.command("list").description("list deliveries, newest first")),
    "50",
  )
    .option("--status <status>", "pending, succeeded, dead, cancelled or skipped")
    .option("--endpoint <id>", "only this endpoint's")
    .option("--event <id>", "only this event's")
    .addHelpText("after", "\nExample:\n  hookrelay deliveries list --status pending --limit 20")
    .action(async (flags: ListFlags) => {
      const query = { status: flags.status, endpointId: flags.endpoint, eventId: flags.event };
      const limit = listLimit(flags);
      const rows = await fetchPages<object>(
        createRelayClient(flags),
        "/v1/deliveries",
        query,
        limit,
      );
      print(rows, flags.json, () => printTable(rows, deliveryColumns));
    });

  withClientOptions(deliveries.command("get <id>").description("show a delivery and its attempts"))
    .addHelpText("after", "\nExample:\n  hookrelay deliveries get dlv_01J…")
    .action(async (id: string, flags: ClientOptions) => {
      const path = `/v1/deliveries/${encodeURIComponent(id)}`;
      const delivery = await createRelayClient(flags).request<Delivery>("GET", path);
      print(delivery, flags.json, () => {
        const { attempts = [], ...rest } = delivery;
        printRecord(rest);
        printTable(attempts, {
          attempt: "attempt",
          startedAt: "started",
          statusCode: "status",
          error: "error",
          durationMs: "ms",
        });
      });
    });

  withClientOptions(deliveries.command("retry <id>").description("send a delivery again now"))
    .addHelpText("after", "\nExample:\n  hookrelay deliveries retry dlv_01J…")
    .action(async (id: string, flags: ClientOptions) => {
      const path = `/v1/deliveries/${encodeURIComponent(id)}/retry`;
      const delivery = await createRelayClient(flags).request<object>("POST", path);
      print(delivery, flags.json, () => printRecord(delivery));
    });

  const dead = program.command("dead-letters").description("list and replay dead letters");

  withListOptions(
    withClientOptions(dead.command("list").description("list dead deliveries, newest first")),
    "50",
  )
    .option("--endpoint <id>", "only this endpoint's")
    .addHelpText("after", "\nExample:\n  hookrelay dead-letters list --endpoint ep_01J… --all")
    .action(async (flags: ListFlags) => {
      const limit = listLimit(flags);
      const query = { endpointId: flags.endpoint };
      const rows = await fetchPages<object>(
        createRelayClient(flags),
        "/v1/dead-letters",
        query,
        limit,
      );
      print(rows, flags.json, () => printTable(rows, deliveryColumns));
    });

  withClientOptions(dead.command("replay").description("send dead letters again"))
    .option("--endpoint <id>", "only this endpoint's")
    .option("--since <time>", "only those that died since (ISO time or a duration: 2h)")
    .option("--until <time>", "only those that died until (ISO time or a duration)")
    .option("--concurrency <n>", "retries in flight at once", "8")
    .option("--progress", "show a progress bar even when stderr is not a terminal")
    .addHelpText(
      "after",
      "\nExample:\n  hookrelay dead-letters replay --endpoint ep_01J… --since 24h",
    )
    .action(async (flags: ReplayFlags) => {
      const replayed = await replayDeadLetters(createRelayClient(flags), flags);
      print({ replayed }, flags.json, () => console.log(`replayed ${replayed} dead letter(s)`));
    });
}

async function replayDeadLetters(client: RelayClient, flags: ReplayFlags): Promise<number> {
  const since = parseSince(flags.since, "--since");
  const until = parseSince(flags.until, "--until");
  const dead = await fetchPages<Delivery>(
    client,
    "/v1/dead-letters",
    { endpointId: flags.endpoint },
    undefined,
  );
  const chosen = dead.filter(
    (d) =>
      d.finishedAt !== null &&
      (since === undefined || d.finishedAt >= since) &&
      (until === undefined || d.finishedAt <= until),
  );
  const showBar = flags.progress === true || (process.stderr.isTTY === true && !flags.json);
  const bar = new SingleBar({
    stream: process.stderr,
    noTTYOutput: flags.progress === true,
    format: "replaying [{bar}] {value}/{total} dead letters, {eta}s left",
    notTTYSchedule: 200,
  });
  if (showBar) bar.start(chosen.length, 0);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < chosen.length) {
      const delivery = chosen[next++] as Delivery;
      await client.request("POST", `/v1/deliveries/${encodeURIComponent(delivery.id)}/retry`);
      done++;
      if (showBar) bar.update(done);
    }
  };
  const concurrency = parseCount(flags.concurrency, "--concurrency") ?? 8;
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, chosen.length) }, worker));
  } finally {
    if (showBar) bar.stop();
  }
  return done;
}
