/**
 * Structured JSON logs on stdout, one line per record, with the level as a word and stable
 * field names (eventId, deliveryId, endpointId, attempt, status, durationMs).
 */
import pino from "pino";
import { redactSecretValues } from "../config/redact.ts";

export type Logger = pino.Logger;

/**
 * `destination`: where lines go; stdout by default (`--log-format pretty` passes its own).
 * Writes are synchronous: pino's worker-thread transports are not available inside the
 * compiled binary, and a crash must not eat the last lines.
 */
export function createLogger(
  level: string,
  destination: pino.DestinationStream = pino.destination({ sync: true }),
): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // Secrets by type: a whsec_/whsk_/hr_ value or a JWT is redacted under any field name.
        log: (record) => redactSecretValues(record) as Record<string, unknown>,
      },
      // A secret never reaches a log line, even if a caller passes a whole object by mistake.
      redact: {
        paths: ["secret", "*.secret", "token", "*.token", "authorization", "*.authorization"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
