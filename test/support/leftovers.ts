/**
 * Temporary directories a test run must not leave behind: data directories and the ~130 MB
 * executable the binary tests share. `bun test` runs no `exit` handlers, so the preload
 * test/support/remove-leftovers.ts removes them in a global afterAll, pass or fail.
 */
import { rmSync } from "node:fs";

const directories = new Set<string>();

export function removeAtEnd(directory: string): string {
  directories.add(directory);
  return directory;
}

export function removeLeftovers(): void {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  directories.clear();
}
