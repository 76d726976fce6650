/**
 * A fuzzing session against the real relay: fixtures to aim at, one request at a time, and
 * after each answer the checks that matter. Every answer is a 2xx or a 4xx problem+json
 * (never a 5xx, never silence), and a rejected write leaves no trace: no extra endpoint,
 * source, token or event, and the endpoint or source it aimed at unchanged. Figures count it
 * all.
 */
import fc from "fast-check";
import { type Receiver, startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import type { IngestTargets } from "./fuzz-ingest.ts";
import { type Answer, checkProblem, checkSuccess, describe, sendRequest } from "./fuzz-answers.ts";
import type { FuzzRequest, FuzzTargets } from "./fuzz-routes.ts";

export interface FuzzFigures {
  inputs: number;
  /** Inputs the client could not even send (a header value fetch refuses); not counted. */
  unsendable: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  /** Bun's own 431 (no problem+json) for a header block over its parser's limit. */
  plainHeaderRejections: number;
  /** Every broken invariant, 5xx answers included; `violations` keeps the first 200. */
  violationCount: number;
  violations: string[];
}

const hmacSecret = "fuzz-hmac-secret-0123456789abcdef";

export class FuzzSession {
  readonly relay: Relay;
  readonly sink: Receiver;
  readonly targets: FuzzTargets;
  readonly ingest: IngestTargets;
  readonly figures: FuzzFigures = {
    inputs: 0,
    unsendable: 0,
    byStatus: {},
    serverErrors: 0,
    plainHeaderRejections: 0,
    violationCount: 0,
    violations: [],
  };
  #expectedEvents = 0;
  #expectedDeliveries = 0;
  #newestEventId: string | undefined;
  #endpointCount = 0;
  #sourceCount = 0;
  #victimEndpoint = "";
  #victimSource = "";
  #tokenCount = 0;
  readonly #brokenChecks = new Set<string>();

  private constructor(relay: Relay, sink: Receiver, targets: FuzzTargets, ingest: IngestTargets) {
    this.relay = relay;
    this.sink = sink;
    this.targets = targets;
    this.ingest = ingest;
  }

  static async start(): Promise<FuzzSession> {
    const sink = startReceiver();
    const relay = await startRelay({
      // Bad tokens are part of the input; the failed-auth limit must not lock the fuzz out.
      env: { HOOKRELAY_AUTH_FAILURES_PER_MINUTE: "1000000", HOOKRELAY_LOG_LEVEL: "info" },
    });
    const post = (path: string, json: unknown) => relay.json(path, { method: "POST", json });
    const fanOut = await post("/v1/endpoints", { url: sink.url });
    const victim = await post("/v1/endpoints", { url: sink.url, enabled: false });
    const destinations = [fanOut.id];
    await post("/v1/sources", { name: "fz-none", verifier: { scheme: "none" }, destinations });
    await post("/v1/sources", {
      name: "fz-hmac",
      verifier: { scheme: "hmac", secrets: [hmacSecret] },
      destinations,
    });
    const victimSource = await post("/v1/sources", {
      name: "fz-victim",
      verifier: { scheme: "none" },
    });
    const event = await post("/v1/events", { type: "fuzz.fixture", payload: {} });
    const targets: FuzzTargets = {
      token: relay.token,
      sinkUrl: sink.url,
      fanOutEndpointId: fanOut.id,
      victimEndpointId: victim.id,
      victimSourceId: victimSource.id,
      eventId: event.id,
      deliveryId: event.deliveries[0].id,
    };
    const session = new FuzzSession(relay, sink, targets, {
      noneSource: "fz-none",
      hmacSource: "fz-hmac",
      hmacSecret,
    });
    await session.#takeBaseline();
    session.#tokenCount = await session.#countTokens();
    session.#expectedEvents = await session.#count("/v1/events");
    session.#expectedDeliveries = await session.#count("/v1/deliveries");
    return session;
  }

  /**
   * Runs `numRuns` inputs. With `assert`, the first broken invariant fails the property and
   * fast-check reports that input as it was: no shrinking, because what broke may be the
   * relay's state (a stored event that poisons a listing), which later inputs would inherit.
   * Without `assert`, every input runs and every violation is counted.
   */
  async run(
    arbitrary: fc.Arbitrary<FuzzRequest>,
    options: { numRuns: number; seed?: number; assert: boolean; examples?: FuzzRequest[] },
  ): Promise<void> {
    // fast-check prints a failing input with this: the short form, not megabytes of bytes.
    const withDescription = (request: FuzzRequest) => ({
      ...request,
      [fc.toStringMethod]: () => describe(request),
    });
    const property = fc.asyncProperty(arbitrary.map(withDescription), async (request) => {
      const violations = await this.try(request);
      if (options.assert && violations.length > 0) throw new Error(violations.join("\n"));
    });
    const parameters = {
      numRuns: options.numRuns,
      // Inputs that once broke the relay run first, every time.
      examples: (options.examples ?? []).map((request) => [withDescription(request)]) as [
        FuzzRequest,
      ][],
      ...(options.seed ? { seed: options.seed } : {}),
    };
    if (options.assert) await fc.assert(property, { ...parameters, endOnFailure: true });
    else await fc.check(property, parameters);
  }

  /** Sends one request, checks the answer and what it may have written; returns what broke. */
  async try(request: FuzzRequest): Promise<string[]> {
    let answer: Answer | undefined;
    try {
      answer = await sendRequest(this.relay.url, request);
    } catch (error) {
      if (error instanceof TypeError && /header|Header/.test(error.message)) {
        this.figures.unsendable++;
        return [];
      }
      return this.#note(request, [`no answer: ${String(error)}`]);
    }
    this.figures.inputs++;
    this.figures.byStatus[answer.status] = (this.figures.byStatus[answer.status] ?? 0) + 1;
    if (answer.status >= 500) this.figures.serverErrors++;
    const violations = this.#checkAnswer(request, answer);
    this.#account(request, answer);
    // Once a read the checks rely on is broken, they can only repeat that: answers still count.
    if (this.#brokenChecks.size > 0) return this.#note(request, violations);
    try {
      violations.push(...(await this.#checkWrites(request, answer)));
    } catch (error) {
      // A read the check relies on failed: this input broke something beyond its own answer.
      // Later inputs would only report the same broken read again, so it is noted once.
      const failure = `checking what it wrote failed: ${String(error).slice(0, 300)}`;
      if (!this.#brokenChecks.has(failure)) violations.push(failure);
      this.#brokenChecks.add(failure);
    }
    return this.#note(request, violations);
  }

  /** The end state: the process up, /healthz 200, and exactly the rows that were accepted. */
  async finish(): Promise<string[]> {
    const problems: string[] = [];
    if (this.relay.process.exitCode !== null || this.relay.process.signalCode !== null) {
      problems.push(
        `relay exited: ${this.relay.process.exitCode ?? this.relay.process.signalCode}`,
      );
      return problems;
    }
    const health = await fetch(`${this.relay.url}/healthz`);
    if (health.status !== 200) problems.push(`/healthz answered ${health.status}`);
    const counted = [
      ["/v1/events", "events stored", this.#expectedEvents],
      ["/v1/deliveries", "deliveries stored", this.#expectedDeliveries],
    ] as const;
    for (const [collection, what, expected] of counted) {
      const found = await this.#count(collection).catch((error) => String(error).slice(0, 200));
      if (found !== expected) problems.push(`${what}: ${found}, expected ${expected}`);
    }
    this.figures.violationCount += problems.length;
    this.figures.violations.push(...problems);
    return problems;
  }

  async stop(): Promise<void> {
    await this.relay.stop();
    this.sink.stop();
  }

  #note(request: FuzzRequest, violations: string[]): string[] {
    if (violations.length === 0) return violations;
    this.figures.violationCount += violations.length;
    const described = violations.map((v) => `${v} ← ${describe(request)}`);
    if (this.figures.violations.length < 200) this.figures.violations.push(...described);
    return described;
  }

  #checkAnswer(request: FuzzRequest, answer: Answer): string[] {
    const { status } = answer;
    if (status >= 500) return [`${status} ${answer.text.slice(0, 200)}`];
    if (status >= 200 && status < 300) return checkSuccess(request, answer);
    if (status < 400) return [`unexpected ${status}`];
    if (status === 431 && answer.text === "" && answer.contentType === "") {
      this.figures.plainHeaderRejections++;
      return [];
    }
    return checkProblem(answer, request.method === "HEAD");
  }

  async #checkWrites(request: FuzzRequest, answer: Answer): Promise<string[]> {
    const accepted = answer.status >= 200 && answer.status < 300;
    switch (request.kind) {
      case "endpoint.create":
        return this.#afterCreate(answer, accepted, "/v1/endpoints");
      case "source.create":
        return this.#afterCreate(answer, accepted, "/v1/sources");
      case "token.create":
        return this.#afterTokenCreate(answer, accepted);
      case "endpoint.change":
      case "source.change":
        return this.#afterChange(request, accepted);
      case "event.publish":
      case "ingest":
        return this.#afterEvent(request, accepted);
      default:
        return [];
    }
  }

  /** An accepted create is deleted at once; either way the counts must be back as they were. */
  async #afterCreate(answer: Answer, accepted: boolean, collection: string): Promise<string[]> {
    const problems: string[] = [];
    if (accepted) {
      const id = (JSON.parse(answer.text) as { id: string }).id;
      const removed = await this.relay.api(`${collection}/${id}`, { method: "DELETE" });
      if (removed.status !== 204) problems.push(`deleting ${id} answered ${removed.status}`);
    }
    const endpoints = await this.#count("/v1/endpoints");
    const sources = await this.#count("/v1/sources");
    const verb = accepted ? "create and delete" : "rejected create";
    if (endpoints !== this.#endpointCount) {
      problems.push(`${verb}: ${endpoints} endpoints, expected ${this.#endpointCount}`);
    }
    if (sources !== this.#sourceCount) {
      problems.push(`${verb}: ${sources} sources, expected ${this.#sourceCount}`);
    }
    return problems;
  }

  /** An accepted token is revoked at once (revoked tokens stay listed); counts must add up. */
  async #afterTokenCreate(answer: Answer, accepted: boolean): Promise<string[]> {
    const problems: string[] = [];
    if (accepted) {
      this.#tokenCount++;
      const id = (JSON.parse(answer.text) as { id: string }).id;
      const revoked = await this.relay.api(`/v1/tokens/${id}`, { method: "DELETE" });
      if (revoked.status !== 204) problems.push(`revoking ${id} answered ${revoked.status}`);
    }
    const tokens = await this.#countTokens();
    if (tokens !== this.#tokenCount) {
      const verb = accepted ? "create" : "rejected create";
      problems.push(`${verb}: ${tokens} tokens, expected ${this.#tokenCount}`);
    }
    return problems;
  }

  async #countTokens(): Promise<number> {
    return ((await this.relay.json("/v1/tokens")) as { data: unknown[] }).data.length;
  }

  async #afterChange(request: FuzzRequest, accepted: boolean): Promise<string[]> {
    const before = { endpoint: this.#victimEndpoint, source: this.#victimSource };
    const endpoints = this.#endpointCount;
    await this.#takeBaseline();
    if (accepted) return [];
    const problems: string[] = [];
    const target = request.kind === "endpoint.change" ? "endpoint" : "source";
    if (before[target] !== (target === "endpoint" ? this.#victimEndpoint : this.#victimSource)) {
      problems.push(`rejected change altered the victim ${target}`);
    }
    if (endpoints !== this.#endpointCount) problems.push("rejected change altered endpoints");
    return problems;
  }

  /** Counts the events and deliveries an accepted publish or ingest created. */
  #account(request: FuzzRequest, answer: Answer): void {
    if (request.kind !== "event.publish" && request.kind !== "ingest") return;
    if (answer.status < 200 || answer.status >= 300) return;
    const replayed =
      answer.headers.get("idempotent-replayed") === "true" ||
      answer.headers.get("hookrelay-duplicate") === "true";
    if (replayed) return;
    this.#expectedEvents++;
    // An ingest source here has one destination; a publish says what it fanned out to.
    this.#expectedDeliveries +=
      request.kind === "ingest"
        ? 1
        : (JSON.parse(answer.text) as { deliveries: unknown[] }).deliveries.length;
  }

  async #afterEvent(request: FuzzRequest, accepted: boolean): Promise<string[]> {
    const previous = this.#newestEventId;
    this.#newestEventId = await this.#readNewestEventId();
    if (accepted || this.#newestEventId === previous) return [];
    return [`rejected ${request.kind} stored event ${this.#newestEventId}`];
  }

  async #takeBaseline(): Promise<void> {
    this.#endpointCount = await this.#count("/v1/endpoints");
    this.#sourceCount = await this.#count("/v1/sources");
    this.#newestEventId ??= await this.#readNewestEventId();
    const endpoint = await this.relay.json(`/v1/endpoints/${this.targets.victimEndpointId}`);
    const secret = await this.relay.json(`/v1/endpoints/${this.targets.victimEndpointId}/secret`);
    // Only what a client sets: the scheduler may update health fields such as failingSince.
    const { url, description, eventTypes, headers, signing, transform, enabled } = endpoint;
    const settable = { url, description, eventTypes, headers, signing, transform, enabled };
    this.#victimEndpoint = JSON.stringify({ ...settable, secret });
    const source = await this.relay.json(`/v1/sources/${this.targets.victimSourceId}`);
    this.#victimSource = JSON.stringify(source);
  }

  async #readNewestEventId(): Promise<string | undefined> {
    const page = await this.relay.json("/v1/events?limit=1");
    return page.data[0]?.id;
  }

  /** Rows in a collection, page by page (bounded: 400 pages of 250). */
  async #count(collection: string): Promise<number> {
    let total = 0;
    let cursor: string | null = null;
    for (let page = 0; page < 400; page++) {
      const after = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const body: { data: unknown[]; nextCursor: string | null } = await this.relay.json(
        `${collection}?limit=250${after}`,
      );
      total += body.data.length;
      cursor = body.nextCursor;
      if (!cursor) return total;
    }
    throw new Error(`${collection} has more than 100,000 rows`);
  }
}
