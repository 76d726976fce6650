/**
 * `hookrelay sources list|get|add|update|rm`: inbound sources, through the relay's API. The
 * commands that take a source accept its id or its name.
 */
import type { Command } from "commander";
import { collect, parseJsonArgument, parseOptions, readInput } from "./arguments.ts";
import { print, printRecord, printTable } from "./output.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import {
  type ClientOptions,
  createRelayClient,
  fetchPages,
  type RelayClient,
  withClientOptions,
} from "./relay-client.ts";

interface SourceFlags extends ClientOptions {
  name?: string;
  scheme?: string;
  secret?: string[];
  secretFile?: string[];
  option?: string[];
  destination?: string[];
  fromFile?: string;
}

export function registerSourceCommands(program: Command): void {
  const sources = program.command("sources").description("manage inbound sources (/in/:name)");

  withClientOptions(sources.command("list").description("list sources"))
    .addHelpText("after", "\nExample:\n  hookrelay sources list")
    .action(async (flags: ClientOptions) => {
      const rows = await fetchPages<object>(createRelayClient(flags), "/v1/sources", {}, undefined);
      print(rows, flags.json, () =>
        printTable(rows, { id: "id", name: "name", ingestPath: "path", destinations: "to" }),
      );
    });

  withClientOptions(
    sources.command("get <id-or-name>").description("show a source (secrets redacted)"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  hookrelay sources get src_01J…\n  hookrelay sources get github",
    )
    .action(async (idOrName: string, flags: ClientOptions) => {
      const client = createRelayClient(flags);
      const source = await client.request<object>("GET", await sourcePath(client, idOrName));
      print(source, flags.json, () => printRecord(source));
    });

  withSourceFields(withClientOptions(sources.command("add").description("create a source")))
    .addHelpText(
      "after",
      "\nExample:\n  hookrelay sources add --name github --scheme github " +
        "--secret-file github.secret --destination ep_01J…",
    )
    .action(async (flags: SourceFlags) => {
      const body = sourceBody(flags);
      const created = await createRelayClient(flags).request<object>("POST", "/v1/sources", body);
      print(created, flags.json, () => printRecord(created));
    });

  withSourceFields(
    withClientOptions(sources.command("update <id-or-name>").description("change a source")),
  )
    .addHelpText(
      "after",
      "\nExample:\n  hookrelay sources update github --destination ep_01J… " +
        "--destination ep_02K…",
    )
    .action(async (idOrName: string, flags: SourceFlags) => {
      const body = sourceBody(flags);
      const client = createRelayClient(flags);
      const updated = await client.request<object>(
        "PATCH",
        await sourcePath(client, idOrName),
        body,
      );
      print(updated, flags.json, () => printRecord(updated));
    });

  withClientOptions(sources.command("rm <id-or-name>").description("delete a source"))
    .addHelpText("after", "\nExample:\n  hookrelay sources rm src_01J…")
    .action(async (idOrName: string, flags: ClientOptions) => {
      const client = createRelayClient(flags);
      const id = await resolveSourceId(client, idOrName);
      await client.request("DELETE", `/v1/sources/${encodeURIComponent(id)}`);
      print({ deleted: id }, flags.json, () => console.log(`deleted ${id}`));
    });
}

/**
 * A source's id, given its id or its name. Ids are `src_` and an upper-case ULID, names are
 * lower case (the API's pattern), so the two cannot be confused. The API has no route by
 * name, and names are unique, so a name is looked up in the list.
 */
async function resolveSourceId(client: RelayClient, idOrName: string): Promise<string> {
  if (/^src_[0-9A-Z]{26}$/.test(idOrName)) return idOrName;
  const all = await fetchPages<{ id: string; name: string }>(client, "/v1/sources", {}, undefined);
  const match = all.find((source) => source.name === idOrName);
  if (!match) {
    throw new HookrelayError("ERR_NOT_FOUND", `no source with id or name "${idOrName}"`);
  }
  return match.id;
}

async function sourcePath(client: RelayClient, idOrName: string): Promise<string> {
  return `/v1/sources/${encodeURIComponent(await resolveSourceId(client, idOrName))}`;
}

function withSourceFields(command: Command): Command {
  return command
    .option("--name <name>", "the ingest URL is /in/<name>")
    .option("--scheme <name>", "verifier scheme: github, stripe, standard-webhooks, …")
    .option("--secret <secret>", "verification secret, repeatable", collect)
    .option("--secret-file <file>", "read a verification secret from a file, repeatable", collect)
    .option("--option <key=value>", "verifier option, repeatable", collect)
    .option("--destination <id>", "endpoint id to deliver to, repeatable", collect)
    .option("--from-file <file>", "the whole request body as JSON (- for stdin)");
}

function sourceBody(flags: SourceFlags): Record<string, unknown> {
  const body: Record<string, unknown> = flags.fromFile
    ? (parseJsonArgument(readInput(flags.fromFile).toString("utf8"), "--from-file") as Record<
        string,
        unknown
      >)
    : {};
  if (flags.name !== undefined) body.name = flags.name;
  const secrets = [
    ...(flags.secret ?? []),
    ...(flags.secretFile ?? []).map((file) => readInput(file).toString("utf8").trim()),
  ];
  if (flags.scheme !== undefined || secrets.length > 0 || flags.option) {
    body.verifier = {
      scheme: flags.scheme ?? "standard-webhooks",
      ...(secrets.length > 0 ? { secrets } : {}),
      options: parseOptions(flags.option),
    };
  }
  if (flags.destination) body.destinations = flags.destination;
  return body;
}
