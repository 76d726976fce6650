/**
 * A publish whose WAL sync fails has leased its deliveries to this process, in rows that
 * did commit. The publisher gets the failure (503), and the scheduler gives those leases
 * back at once, so the deliveries are claimed and sent now instead of when the lease runs
 * out (twice the attempt timeout and a minute: 80 s here).
 *
 * Not an e2e test: nothing from outside the process can make an fdatasync fail.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { waitFor } from "../support/wait.ts";
import { type SchedulerKit, startSchedulerKit } from "./scheduler-kit.ts";

let kit: SchedulerKit;
let failNextSync = false;

beforeEach(async () => {
  failNextSync = false;
  kit = await startSchedulerKit({
    concurrency: 4,
    respond: () => new Response("ok"),
    flush: async (sync) => {
      if (!failNextSync) return sync();
      failNextSync = false;
      throw new Error("EIO: i/o error, fdatasync");
    },
  });
  kit.scheduler.start();
});

afterEach(async () => {
  await kit.stop();
});

describe("a failed WAL sync", () => {
  test("gives back the leases its publish took, and the delivery goes out at once", async () => {
    failNextSync = true;
    const failed = kit.publisher.publish({ type: "sync.failed", payload: { n: 1 } });
    await expect(failed).rejects.toMatchObject({ code: "ERR_UNAVAILABLE" });
    const [row] = (
      await kit.database.client.execute("SELECT id FROM deliveries WHERE status = 'pending'")
    ).rows;
    expect(row).toBeDefined();

    await waitFor("the committed delivery at the receiver", () => kit.receiver.requests.length > 0);
    await waitFor(
      "it to succeed",
      async () => (await kit.statusOf(String(row!.id))) === "succeeded",
    );
    expect(kit.receiver.requests).toHaveLength(1);
  });
});
