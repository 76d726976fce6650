/**
 * What the plugin e2e suites share: the fixture plugin directories, endpoints with a signer
 * and a transform, a first delivered request per event, and running the CLI to completion.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReceivedRequest, Receiver } from "../support/receiver.ts";
import { makeDataDir, projectRoot, type Relay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { type Attempt, type Delivery, type Endpoint, publish } from "./api-fixtures.ts";

export const fixturePlugins = join(projectRoot, "test", "fixtures", "plugins");

/** One directory of fixture plugins, by name (`working`, `wrong-shape`, …). */
export const fixtureDir = (name: string) => join(fixturePlugins, name);

export interface PluginChoice {
  signing?: { scheme: string; options?: Record<string, unknown> };
  transform?: { plugin: string; options?: Record<string, unknown> } | null;
}

export type PluginEndpoint = Endpoint & {
  secret: string;
  signing: { scheme: string; options: Record<string, unknown> };
  transform: { plugin: string; options: Record<string, unknown> } | null;
};

export function createPluginEndpoint(
  relay: Relay,
  body: PluginChoice & { url: string; eventTypes?: string[]; secret?: string },
): Promise<PluginEndpoint> {
  return relay.json("/v1/endpoints", { method: "POST", json: body });
}

/** A delivery as plugins extend it: a transform may skip it, a plugin may fail an attempt. */
export type PluginDelivery = Omit<Delivery, "status" | "attempts"> & {
  status: Delivery["status"] | "skipped";
  attempts: (Omit<Attempt, "error"> & { error: Attempt["error"] | "plugin_error" })[];
};

export function getPluginDelivery(relay: Relay, id: string): Promise<PluginDelivery> {
  return relay.json(`/v1/deliveries/${id}`);
}

/** Polls the delivery until it reaches `status`, then returns it with its attempts. */
export function waitForPluginDelivery(
  relay: Relay,
  id: string,
  status: PluginDelivery["status"],
  timeoutMs = 8_000,
): Promise<PluginDelivery> {
  const probe = async () => {
    const delivery = await getPluginDelivery(relay, id);
    return delivery.status === status ? delivery : undefined;
  };
  return waitFor(`delivery ${id} to be ${status}`, probe, timeoutMs);
}

/**
 * Publishes one event of `type` and waits for the next request at `receiver`, which should
 * be the only endpoint subscribed to that type.
 */
export async function deliverOne(
  relay: Relay,
  receiver: Receiver,
  type: string,
  payload: unknown,
): Promise<{ eventId: string; deliveryId: string; request: ReceivedRequest }> {
  const before = receiver.requests.length;
  const { body } = await publish(relay, { type, payload });
  const [delivery] = body.deliveries;
  if (!delivery) throw new Error(`no endpoint subscribes to ${type}`);
  const request = await waitFor(`a ${type} request at the receiver`, () => {
    return receiver.requests[before];
  });
  return { eventId: body.id, deliveryId: delivery.id, request };
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** argv instead of `bun --no-install src/main.ts`, e.g. a compiled binary. */
  command?: string[];
  /** A command that should exit but serves instead is killed after this long. */
  timeoutMs?: number;
}

/** Runs `hookrelay <args>` to completion with a clean environment and its own data dir. */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const dataDir = makeDataDir();
  const command = options.command ?? [process.execPath, "--no-install", "src/main.ts"];
  const child = Bun.spawn([...command, ...args], {
    cwd: options.cwd ?? projectRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      HOOKRELAY_HOST: "127.0.0.1",
      HOOKRELAY_PORT: "0",
      HOOKRELAY_DATA_DIR: dataDir,
      HOOKRELAY_API_TOKEN: "test-token-0123456789abcdef",
      ...options.env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  try {
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    return { exitCode, stdout, stderr };
  } finally {
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Lines of a stack trace, which a start-up failure must not print. */
export const stackTraceLine = /^\s+at\s/m;

/** A temporary directory holding copies of the given fixture files, removed on dispose. */
export function tempPluginsDir(files: { from: string; to: string }[]) {
  const dir = mkdtempSync(join(tmpdir(), "hookrelay-plugins-"));
  for (const { from, to } of files) cpSync(join(fixturePlugins, from), join(dir, to));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}
