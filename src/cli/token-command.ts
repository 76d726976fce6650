/** `hookrelay token create|list|revoke`: named API tokens, through the relay's API (admin). */
import type { Command } from "commander";
import { collect } from "./arguments.ts";
import { print, printTable } from "./output.ts";
import { type ClientOptions, createRelayClient, withClientOptions } from "./relay-client.ts";

export function registerTokenCommands(program: Command): void {
  const token = program.command("token").description("create, list and revoke API tokens");

  withClientOptions(token.command("create").description("create a named token with scopes"))
    .requiredOption("--name <name>", "who or what uses it, e.g. billing-service")
    .requiredOption("--scope <scope>", "admin, publish or read; repeatable", collect)
    .addHelpText(
      "after",
      "\nThe token is printed once; only its SHA-256 is stored.\n\nExample:\n" +
        "  hookrelay token create --name billing-service --scope publish",
    )
    .action(async (flags: ClientOptions & { name: string; scope: string[] }) => {
      const body = { name: flags.name, scopes: flags.scope };
      const created = await createRelayClient(flags).request<{ id: string; token: string }>(
        "POST",
        "/v1/tokens",
        body,
      );
      print(created, flags.json, () => {
        console.log(created.token);
        console.error(`created ${created.id}; store the token now, it is not shown again`);
      });
    });

  withClientOptions(token.command("list").description("list tokens (never their values)"))
    .addHelpText("after", "\nExample:\n  hookrelay token list")
    .action(async (flags: ClientOptions) => {
      const { data } = await createRelayClient(flags).request<{ data: object[] }>(
        "GET",
        "/v1/tokens",
      );
      print(data, flags.json, () =>
        printTable(data, {
          id: "id",
          name: "name",
          scopes: "scopes",
          createdAt: "created",
          lastUsedAt: "last used",
          revokedAt: "revoked",
        }),
      );
    });

  withClientOptions(token.command("revoke <id>").description("revoke a token at once"))
    .addHelpText("after", "\nExample:\n  hookrelay token revoke tok_01J…")
    .action(async (id: string, flags: ClientOptions) => {
      await createRelayClient(flags).request("DELETE", `/v1/tokens/${encodeURIComponent(id)}`);
      print({ revoked: id }, flags.json, () => console.log(`revoked ${id}`));
    });
}
