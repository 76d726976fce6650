/**
 * Structured JSON logs on stdout, one line per record, with the level as a word and stable
 * field names (eventId, deliveryId, endpointId, attempt, status, durationMs).
 */
import pino from "pino";

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // A secret never reaches a log line, even if a caller passes a whole object by mistake.
      redact: {
        paths: ["secret", "*.secret", "token", "*.token", "authorization", "*.authorization"],
        censor: "[redacted]",
      },
    },
    // Synchronous writes: pino's worker-thread transports are not available inside the
    // compiled binary, and a crash must not eat the last lines.
    pino.destination({ sync: true }),
  );
}
