/**
 * A small pool of workers that run user plugin calls with a time budget. A call that overruns
 * terminates its worker (and fails the other calls it was running, which their deliveries
 * retry); the next call starts a fresh worker.
 */
import { HookrelayError } from "../errors/hookrelay-error.ts";
import type { CallMessage, PluginMethod, ReplyMessage } from "./sandbox-protocol.ts";

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: Timer;
}

interface Slot {
  worker: Worker;
  pending: Map<number, PendingCall>;
}

export class PluginSandbox {
  readonly #timeoutMs: number;
  readonly #slots: (Slot | undefined)[];
  #nextId = 1;
  #nextSlot = 0;

  constructor(options: { timeoutMs: number; workers?: number }) {
    this.#timeoutMs = options.timeoutMs;
    this.#slots = new Array(options.workers ?? 2).fill(undefined);
  }

  call(file: string, method: PluginMethod, args: unknown[]): Promise<unknown> {
    const index = this.#nextSlot++ % this.#slots.length;
    const slot = this.#slots[index] ?? this.#spawn(index);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#kill(index, `plugin ran longer than its ${this.#timeoutMs} ms budget`);
      }, this.#timeoutMs);
      slot.pending.set(id, { resolve, reject, timer });
      slot.worker.postMessage({ id, file, method, args } satisfies CallMessage);
    });
  }

  close(): void {
    for (let i = 0; i < this.#slots.length; i++) this.#kill(i, "sandbox closed");
  }

  #spawn(index: number): Slot {
    const worker = new Worker(workerEntry());
    const slot: Slot = { worker, pending: new Map() };
    worker.onmessage = (event: MessageEvent<ReplyMessage>) => {
      const reply = event.data;
      const call = slot.pending.get(reply.id);
      if (!call) return;
      slot.pending.delete(reply.id);
      clearTimeout(call.timer);
      if (reply.ok) call.resolve(reply.value);
      else call.reject(pluginError(reply.error));
    };
    worker.onerror = (event) => this.#kill(index, `plugin worker crashed: ${event.message}`);
    // Plugin workers must not keep the process alive at shutdown.
    worker.unref();
    this.#slots[index] = slot;
    return slot;
  }

  #kill(index: number, reason: string): void {
    const slot = this.#slots[index];
    if (!slot) return;
    this.#slots[index] = undefined;
    slot.worker.terminate();
    for (const call of slot.pending.values()) {
      clearTimeout(call.timer);
      call.reject(pluginError(reason));
    }
  }
}

export function pluginError(message: string, cause?: unknown): HookrelayError {
  return new HookrelayError("ERR_PLUGIN", message, { cause, detail: message });
}

/**
 * Where the worker's code is. Inside the compiled binary, modules live in Bun's embedded
 * file system and the bundled worker sits at `plugins/sandbox-worker` under its root, while
 * `import.meta.url` of the bundle is the root itself.
 */
function workerEntry(): string {
  if (import.meta.url.includes("$bunfs")) return "./plugins/sandbox-worker.ts";
  return new URL("./sandbox-worker.ts", import.meta.url).href;
}
