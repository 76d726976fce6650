/** What the routes need from the running relay. */
import type { Config } from "../config/config.ts";
import type { Orm } from "../db/client.ts";
import type { WriteQueue } from "../db/write-queue.ts";
import type { BodyBudget } from "../intake/body-budget.ts";
import type { EventPublisher } from "../intake/publish-event.ts";
import type { SourceCache } from "../ingest/source-cache.ts";
import type { InboundReceiver } from "../intake/receive-inbound.ts";
import type { Logger } from "../observability/logger.ts";
import type { PluginRegistry } from "../plugins/plugin-registry.ts";

export interface ApiDeps {
  config: Readonly<Config>;
  orm: Orm;
  writer: WriteQueue;
  /** Writes published events, in batches, and hands their deliveries to the scheduler. */
  publisher: EventPublisher;
  /** Writes verified inbound requests, in batches, like the publisher. */
  inbound: InboundReceiver;
  /** Sources by name for the ingest route; every source write forgets it. */
  sources: SourceCache;
  plugins: PluginRegistry;
  /** Bound the request bodies held at once (server.max_bodies_in_flight), per pool. */
  bodies: { api: BodyBudget; ingest: BodyBudget };
  /** Refuses new events while the disk is nearly full. */
  disk: { assertWritable(): void };
  log: Logger;
  /** Tells the scheduler that deliveries may have become due. */
  wakeScheduler(): void;

  /** Readiness: the database answers and is migrated. */
  isReady(): Promise<boolean>;
  version: string;
  /** Counts an inbound request refused by its verifier (for metrics), if anyone listens. */
  onInboundRejected?(sourceName: string, reason: string): void;
}
