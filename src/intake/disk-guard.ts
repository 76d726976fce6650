/**
 * Disk-aware backpressure. When free space in the data directory falls under the threshold,
 * or a write fails because the disk is full, publish and ingest answer 503 with Retry-After
 * instead of accepting events the relay may not be able to store. Already acknowledged
 * events are on disk and keep being delivered. Service resumes by itself once space returns.
 */
import { statfs } from "node:fs/promises";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import type { Logger } from "../observability/logger.ts";

export interface DiskGuardOptions {
  dataDir: string;
  minFreeBytes: number;
  checkIntervalMs?: number;
  log: Logger;
}

export class DiskGuard {
  readonly #options: DiskGuardOptions;
  #low = false;
  #timer: Timer | undefined;

  constructor(options: DiskGuardOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    await this.check();
    this.#timer = setInterval(() => void this.check(), this.#options.checkIntervalMs ?? 1_000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Throws 503 while the disk is (nearly) full. */
  assertWritable(): void {
    if (!this.#low) return;
    throw new HookrelayError("ERR_UNAVAILABLE", "disk space low", {
      detail: "The relay's disk is nearly full; nothing was stored. Retry later.",
    });
  }

  /** A write failed: if the disk is full, stop accepting until the next check sees space. */
  noteWriteFailure(error: unknown): void {
    if (isDiskFull(error)) this.#setLow(true, "a write failed because the disk is full");
  }

  async check(): Promise<void> {
    try {
      const stats = await statfs(this.#options.dataDir);
      const freeBytes = Number(stats.bavail) * Number(stats.bsize);
      const low = freeBytes < this.#options.minFreeBytes;
      this.#setLow(
        low,
        low ? `free space ${freeBytes} B is under the threshold` : "space returned",
      );
    } catch {
      // statfs unsupported or the directory vanished: keep the last state rather than guess.
    }
  }

  #setLow(low: boolean, reason: string): void {
    if (low === this.#low) return;
    this.#low = low;
    const fields = { dataDir: this.#options.dataDir, minFreeBytes: this.#options.minFreeBytes };
    if (low) this.#options.log.error({ ...fields, reason }, "disk low: refusing new events");
    else this.#options.log.info({ ...fields, reason }, "disk ok: accepting events again");
  }
}

function isDiskFull(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === "SQLITE_FULL" || code === "ENOSPC" || /disk is full|ENOSPC/i.test(e.message)) {
      return true;
    }
  }
  return false;
}
