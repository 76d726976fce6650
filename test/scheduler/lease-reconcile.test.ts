/**
 * The lease reconcile after a failed claim, against a real database file with a second
 * connection holding the write lock. The reconcile frees every lease this process does not
 * hold; a publish written in the same transaction, just before it, has leased its deliveries
 * to this process and must keep them. Regression: the held leases were read when the job was
 * queued, so that publish's leases were freed while its deliveries were already on their way.
 *
 * The leases are what fails without the fix: each delivery is still sent once, because a
 * claim never starts a delivery already in flight, but a delivery in flight without its lease
 * breaks what the table promises (claim-store.ts) to anything else that reads it.
 *
 * Not an e2e test: the relay's busy timeout is fixed at 5 s, which libSQL spends waiting on
 * the relay's only thread, and from outside nothing can put a publish in the reconcile's batch.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { type Client, createClient } from "@libsql/client";
import type { PublishResult } from "../../src/intake/publish-event.ts";
import { gate, webhookIds } from "../e2e/api-fixtures.ts";
import { waitFor } from "../support/wait.ts";
import { type SchedulerKit, startSchedulerKit } from "./scheduler-kit.ts";

let kit: SchedulerKit;
let released: ReturnType<typeof gate>;
/** Another connection to the file: to SQLite's locks, as good as another process. */
let lockHolder: Client | undefined;

beforeEach(async () => {
  released = gate();
  // Two slots for the two publishes: with both in flight no claim follows the reconcile.
  kit = await startSchedulerKit({
    concurrency: 2,
    respond: async () => {
      await released.promise;
      return new Response("ok");
    },
  });
});

afterEach(async () => {
  released.open();
  await kit.stop();
  lockHolder?.close();
});

/** Lets the event loop go round `count` times: the scheduler's loop takes one per round. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("the lease reconcile after a failed claim", () => {
  test("frees no lease a publish wrote just before it, and sends each delivery once", async () => {
    const { writer, scheduler, publisher, receiver, logs } = kit;
    lockHolder = createClient({ url: kit.database.url });
    const lock = await lockHolder.transaction("write");
    let publishes: Promise<PublishResult>[] = [];
    let heldBatch: Promise<void> | undefined;
    kit.onLog = (line) => {
      if (line.msg !== "claiming deliveries failed" || heldBatch) return;
      void lock.rollback();
      // A transaction of the test's own keeps the writer busy while two publishes queue, then
      // the reconcile: wake() ends the scheduler's pause after the failure, and its loop
      // queues the reconcile within a turn. The next transaction runs them in that order.
      heldBatch = writer.run(async () => {
        publishes = [0, 1].map((n) => publisher.publish({ type: "lease.kept", payload: { n } }));
        scheduler.wake();
        await turns(3);
      });
    };
    // Nothing is due, but a starting scheduler claims once for what a crash may have left.
    scheduler.start();
    await waitFor("the claim to fail on the locked database", () => heldBatch !== undefined);
    await heldBatch;
    const published = await Promise.all(publishes);
    const deliveryIds = published.map((result) => result.deliveries[0]?.id ?? "none");

    await waitFor("both deliveries at the receiver", () => receiver.requests.length === 2);
    // Both are in flight from memory; without their leases a claim could send them again.
    for (const id of deliveryIds) expect(await kit.leaseOf(id)).not.toBeNull();
    expect(logs.filter((line) => line.msg === "freed leases left by failed writes")).toEqual([]);

    released.open();
    for (const id of deliveryIds) {
      await waitFor(
        `delivery ${id} to succeed`,
        async () => (await kit.statusOf(id)) === "succeeded",
      );
    }
    await scheduler.stop(1_000);
    expect(webhookIds(receiver.requests).sort()).toEqual(
      published.map((result) => result.event.id).sort(),
    );
  });
});
