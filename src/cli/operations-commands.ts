/**
 * The commands for running hookrelay in production: configuration, management of a running
 * relay through its API, local signature checks, backups and the systemd unit.
 */
import type { Command } from "commander";
import { registerBackupCommand } from "./backup-command.ts";
import { registerConfigCommands } from "./config-command.ts";
import { registerDeliveryCommands } from "./deliveries-command.ts";
import { registerEndpointCommands } from "./endpoints-command.ts";
import { registerEventCommands } from "./events-command.ts";
import { registerServiceCommand } from "./service-command.ts";
import { registerSourceCommands } from "./sources-command.ts";
import { registerTokenCommands } from "./token-command.ts";
import { registerVerifyCommand } from "./verify-command.ts";

export function registerOperationsCommands(program: Command): void {
  registerConfigCommands(program);
  registerEndpointCommands(program);
  registerEventCommands(program);
  registerDeliveryCommands(program);
  registerSourceCommands(program);
  registerTokenCommands(program);
  registerVerifyCommand(program);
  registerBackupCommand(program);
  registerServiceCommand(program);
}
