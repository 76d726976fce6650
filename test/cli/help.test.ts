/** Every command's --help ends with an example, so nobody has to guess the syntax. */
import { describe, expect, test } from "bun:test";
import type { Command } from "commander";
import { buildProgram } from "../../src/cli/program.ts";

function leafCommands(command: Command, prefix: string[] = []): [string, Command][] {
  const path = [...prefix, command.name()];
  if (command.commands.length === 0) return [[path.slice(1).join(" "), command]];
  return command.commands
    .filter((child) => child.name() !== "help")
    .flatMap((child) => leafCommands(child, path));
}

function helpOf(command: Command): string {
  let text = "";
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
}

describe("hookrelay --help", () => {
  const commands = leafCommands(buildProgram());

  test("covers the operations commands", () => {
    expect(commands.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        "serve",
        "migrate",
        "config validate",
        "endpoints list",
        "endpoints add",
        "endpoints update",
        "endpoints rm",
        "endpoints rotate-secret",
        "events publish",
        "events get",
        "events list",
        "deliveries list",
        "deliveries get",
        "deliveries retry",
        "dead-letters list",
        "dead-letters replay",
        "sources add",
        "token create",
        "verify",
        "backup",
        "install-service",
      ]),
    );
  });

  test("shows an example on every command", () => {
    const withoutExample = commands
      .filter(([, command]) => !/\nExamples?:\n {2}\S/.test(helpOf(command)))
      .map(([name]) => name);
    expect(withoutExample).toEqual([]);
  });

  test("names the relay address flag and every variable that sets it on management commands", () => {
    const management = commands.filter(([, command]) =>
      command.options.some((option) => option.long === "--token"),
    );
    expect(management.length).toBeGreaterThan(10);
    const unclear = management
      .filter(([, command]) => {
        const help = helpOf(command).replace(/\s+/g, " ");
        const names = ["--relay-url", "HOOKRELAY_URL", "HOOKRELAY_HOST", "HOOKRELAY_PORT"];
        return !names.every((name) => help.includes(name)) || / --url\b/.test(help);
      })
      .map(([name]) => name);
    expect(unclear).toEqual([]);
  });
});
