/**
 * `npm run demo`: the relay end to end in well under a minute.
 *
 * Starts the relay (`bun src/main.ts serve`) on a loopback port with a throwaway data
 * directory and a short retry schedule, and a receiver that checks every signature with npm
 * `standardwebhooks` and plays three endpoints: /healthy answers 200, /flaky answers 503 twice
 * per event before a 200, /gone answers 410. It publishes real GitHub webhook payloads from
 * `@octokit/webhooks-examples`, waits until every delivery has settled, prints what was
 * delivered, retried and dead-lettered (as the relay's API reports it), and stops everything.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import definitions from "@octokit/webhooks-examples";
import { Webhook } from "standardwebhooks";

const projectRoot = join(import.meta.dir, "..");
const hardStopMs = 60_000;
const startTimeoutMs = 15_000;
const settlePollMs = 200;
const retrySchedule = "500ms,1s,2s";
const flakyFailuresPerEvent = 2;
const eventCount = 20;
const paths = ["healthy", "flaky", "gone"] as const;
type Path = (typeof paths)[number];

interface Delivery {
  id: string;
  eventId: string;
  endpointId: string;
  status: "pending" | "succeeded" | "dead" | "cancelled";
  attemptCount: number;
  lastStatusCode: number | null;
}

interface Endpoint {
  id: string;
  enabled: boolean;
  disabledReason: string | null;
}

const startedAt = performance.now();
const dataDir = mkdtempSync(join(tmpdir(), "hookrelay-demo-"));
const token = `demo-${crypto.randomUUID()}`;
const relayErrors: string[] = [];
let relay: ReturnType<typeof Bun.spawn> | undefined;

const hardStop = setTimeout(() => {
  void fail(`the demo did not finish within ${hardStopMs / 1000} s`);
}, hardStopMs);

// The receiver: one Bun.serve on loopback that verifies before it answers.
const secrets = new Map<Path, Webhook>();
const received = new Map<Path, number>(paths.map((p) => [p, 0]));
const attemptsSeen = new Map<string, number>();
let verified = 0;
let rejected = 0;

const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const path = new URL(request.url).pathname.slice(1) as Path;
    const signer = secrets.get(path);
    if (!signer) return new Response("no such endpoint", { status: 404 });
    received.set(path, (received.get(path) ?? 0) + 1);
    const body = await request.text();
    const headers = Object.fromEntries(request.headers.entries());
    try {
      signer.verify(body, headers);
      verified++;
    } catch {
      rejected++;
      return new Response("bad signature", { status: 401 });
    }
    return answer(path, headers["webhook-id"] ?? "");
  },
});

function answer(path: Path, webhookId: string): Response {
  if (path === "healthy") return new Response("thanks");
  if (path === "gone") return new Response("this endpoint is gone", { status: 410 });
  const key = `${path}:${webhookId}`;
  const attempt = (attemptsSeen.get(key) ?? 0) + 1;
  attemptsSeen.set(key, attempt);
  if (attempt <= flakyFailuresPerEvent) {
    return new Response("temporarily unavailable", { status: 503 });
  }
  return new Response("thanks, finally");
}

async function startRelay(): Promise<string> {
  const child = Bun.spawn([process.execPath, "--no-install", "src/main.ts", "serve"], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      HOOKRELAY_HOST: "127.0.0.1",
      HOOKRELAY_PORT: "0",
      HOOKRELAY_DATA_DIR: dataDir,
      HOOKRELAY_API_TOKEN: token,
      HOOKRELAY_RETRY_SCHEDULE: retrySchedule,
      HOOKRELAY_SHUTDOWN_GRACE: "2s",
      // The demo's receiver is on loopback, which the SSRF guard refuses by default.
      HOOKRELAY_ALLOW_PRIVATE_NETWORKS: "127.0.0.0/8",
      // /flaky fails two attempts of every event on purpose, 40 failures in a burst: with
      // the default breaker (10 in a row, 30 s cool-down) it would sit out the whole demo.
      HOOKRELAY_BREAKER_FAILURES: "100",
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  relay = child;
  const listening = Promise.withResolvers<string>();
  void readLines(child.stdout, (line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; url?: unknown; level?: number };
      if (entry.msg === "listening" && typeof entry.url === "string") {
        listening.resolve(entry.url);
      }
      if ((entry.level ?? 0) >= 50) relayErrors.push(line);
    } catch {
      relayErrors.push(line);
    }
  });
  void readLines(child.stderr, (line) => relayErrors.push(line));
  void child.exited.then((code) => {
    listening.reject(new Error(`the relay exited with ${code} before it listened`));
  });
  const timeout = Bun.sleep(startTimeoutMs).then(() => {
    throw new Error(`the relay did not listen within ${startTimeoutMs} ms`);
  });
  return Promise.race([listening.promise, timeout]);
}

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") onLine(line);
  }
}

function makeApi(baseUrl: string) {
  return async <T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> => {
    const method = init.method ?? "GET";
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (init.json !== undefined) headers["content-type"] = "application/json";
    const body = init.json === undefined ? undefined : JSON.stringify(init.json);
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text === "" ? undefined : JSON.parse(text)) as T;
  };
}
type Api = ReturnType<typeof makeApi>;

/** The first example of each of the first `eventCount` GitHub events, typed `name.action`. */
function pickGithubEvents(): { type: string; payload: Record<string, unknown> }[] {
  return definitions
    .filter((definition) => definition.examples.length > 0)
    .slice(0, eventCount)
    .map((definition) => {
      const payload = definition.examples[0] as unknown as Record<string, unknown>;
      const action = typeof payload.action === "string" ? payload.action : undefined;
      return { type: action ? `${definition.name}.${action}` : definition.name, payload };
    });
}

function wrap(text: string, widthColumns: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + word.length + 1 > widthColumns) {
      lines.push(line);
      line = "";
    }
    line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.map((l) => indent + l).join("\n");
}

async function listDeliveries(api: Api, endpointId: string): Promise<Delivery[]> {
  const all: Delivery[] = [];
  let cursor: string | null = null;
  do {
    const after = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page: { data: Delivery[]; nextCursor: string | null } = await api(
      `/v1/deliveries?endpointId=${endpointId}&limit=250${after}`,
    );
    all.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/**
 * Settled: /healthy and /flaky have nothing pending, and /gone is disabled with every request
 * it answered 410 recorded as a dead letter. Deliveries to /gone published after the disable
 * wait, by design, for someone to re-enable the endpoint.
 */
async function isSettled(api: Api, endpoints: Map<Path, Endpoint>): Promise<boolean> {
  for (const path of ["healthy", "flaky"] as const) {
    const deliveries = await listDeliveries(api, endpoints.get(path)!.id);
    if (deliveries.some((d) => d.status === "pending")) return false;
  }
  const gone = endpoints.get("gone")!;
  const endpoint = await api<Endpoint>(`/v1/endpoints/${gone.id}`);
  const dead = (await listDeliveries(api, gone.id)).filter((d) => d.status === "dead");
  return !endpoint.enabled && dead.length === received.get("gone");
}

async function printSummary(api: Api, endpoints: Map<Path, Endpoint>, types: Map<string, string>) {
  const rows = [
    ["endpoint", "state", "deliveries", "requests", "delivered", "retried", "dead", "waiting"],
  ];
  for (const path of paths) {
    const ep = await api<Endpoint>(`/v1/endpoints/${endpoints.get(path)!.id}`);
    const deliveries = await listDeliveries(api, ep.id);
    const count = (status: Delivery["status"]) =>
      String(deliveries.filter((d) => d.status === status).length);
    rows.push([
      `/${path}`,
      ep.enabled ? "enabled" : `disabled (${ep.disabledReason})`,
      String(deliveries.length),
      String(received.get(path)),
      count("succeeded"),
      String(deliveries.filter((d) => d.attemptCount > 1).length),
      count("dead"),
      count("pending"),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const format = (row: string[]) =>
    row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  console.log(`\n${format(rows[0]!)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const row of rows.slice(1)) console.log(format(row));
  console.log(
    [
      "",
      "requests: what the receiver got; retried: deliveries that needed more than one attempt;",
      "waiting: pending, e.g. held for a disabled endpoint. Events published after /gone was",
      "disabled create no delivery for it.",
    ].join("\n"),
  );

  const flaky = (await listDeliveries(api, endpoints.get("flaky")!.id))[0];
  if (flaky) {
    const detail = await api<{ attempts: { statusCode: number | null; startedAt: string }[] }>(
      `/v1/deliveries/${flaky.id}`,
    );
    const t0 = Date.parse(detail.attempts[0]?.startedAt ?? "");
    const steps = detail.attempts.map((a) => {
      return `${a.statusCode ?? "error"} at +${Date.parse(a.startedAt) - t0} ms`;
    });
    console.log(`\n/flaky, ${types.get(flaky.eventId)}: ${steps.join(" -> ")}`);
  }

  const dead = await api<{ data: Delivery[] }>("/v1/dead-letters?limit=250");
  console.log(`\ndead letters (${dead.data.length}):`);
  const typeWidth = Math.max(0, ...dead.data.map((d) => (types.get(d.eventId) ?? "").length));
  for (const letter of dead.data) {
    const type = (types.get(letter.eventId) ?? "?").padEnd(typeWidth);
    console.log(`  ${letter.id}  ${type}  last answer ${letter.lastStatusCode ?? "none"}`);
  }
  console.log(`\nsignatures verified by the receiver: ${verified}, rejected: ${rejected}`);
}

async function stopRelay(): Promise<void> {
  if (!relay || relay.exitCode !== null || relay.signalCode !== null) return;
  relay.kill("SIGTERM");
  const killTimer = setTimeout(() => relay?.kill("SIGKILL"), 5_000);
  await relay.exited;
  clearTimeout(killTimer);
}

async function cleanUp(): Promise<void> {
  clearTimeout(hardStop);
  await stopRelay();
  receiver.stop(true);
  rmSync(dataDir, { recursive: true, force: true });
}

async function fail(reason: string): Promise<never> {
  console.error(`\ndemo failed: ${reason}`);
  if (relayErrors.length > 0) console.error(`relay output:\n${relayErrors.join("\n")}`);
  relay?.kill("SIGKILL");
  await cleanUp();
  process.exit(1);
}

async function main(): Promise<void> {
  console.log(`receiver on http://127.0.0.1:${receiver.port} (/healthy, /flaky, /gone)`);
  const api = makeApi(await startRelay());
  console.log(`relay listening, retry schedule ${retrySchedule}, throwaway data in ${dataDir}`);

  const endpoints = new Map<Path, Endpoint>();
  for (const path of paths) {
    const created = await api<Endpoint & { secret: string }>("/v1/endpoints", {
      method: "POST",
      json: { url: `http://127.0.0.1:${receiver.port}/${path}`, description: `demo ${path}` },
    });
    secrets.set(path, new Webhook(created.secret));
    endpoints.set(path, created);
  }

  const types = new Map<string, string>();
  for (const event of pickGithubEvents()) {
    const accepted = await api<{ id: string }>("/v1/events", { method: "POST", json: event });
    types.set(accepted.id, event.type);
  }
  console.log(`published ${types.size} GitHub example events to 3 endpoints:`);
  console.log(wrap([...types.values()].join(", "), 88, "  "));

  while (!(await isSettled(api, endpoints))) await Bun.sleep(settlePollMs);
  const settledMs = Math.round(performance.now() - startedAt);
  console.log(`\nevery delivery settled ${settledMs} ms after the demo started`);
  await printSummary(api, endpoints, types);
  await cleanUp();
  process.exit(rejected === 0 ? 0 : 1);
}

await main().catch((error: unknown) => {
  return fail(error instanceof Error ? error.message : String(error));
});
