/** A timer the scheduler's loop sleeps on, which new work can cut short. */
export class WakeableSleep {
  #wake: (() => void) | undefined;

  /** @returns true when the full delay passed, false when woken early. */
  sleep(delayMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(true), delayMs);
      const finish = (timedOut: boolean) => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(timedOut);
      };
      this.#wake = () => finish(false);
    });
  }

  /** Ends the current sleep, if any; a wake with nobody asleep is not remembered. */
  wake(): void {
    this.#wake?.();
  }
}
