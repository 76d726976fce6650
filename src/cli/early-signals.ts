/**
 * SIGHUP while the program is still loading. Until `serve` installs its own handlers, a few
 * hundred milliseconds after exec, SIGHUP would take its default action and end the
 * process, which a systemd reload or a quick `kill -HUP` right after a start can hit. It is
 * ignored instead: the configuration is about to be read for the first time anyway.
 * SIGTERM and SIGINT keep their default action, which is right while nothing runs yet.
 */
const ignore = () => {};

export function holdEarlySignals(): void {
  process.on("SIGHUP", ignore);
}

/** Called by whoever installs the real handler, right before it does. */
export function releaseEarlySignals(): void {
  process.off("SIGHUP", ignore);
}
