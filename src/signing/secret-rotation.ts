/**
 * What a rotation leaves signing. The secret rotated out joins the ones still in their
 * overlap, so rotating twice within an overlap cuts no receiver short: each secret keeps
 * signing until its own overlap ends. A rotation without overlap replaces every secret at
 * once, which is what an operator whose secret leaked wants.
 */
import type { PreviousSecret } from "../db/schema.ts";

/** At most this many rotated-out secrets sign beside the current one; each adds a signature. */
export const maxPreviousSecrets = 4;

export function previousSecretsAfterRotation(
  current: { secret: string; previousSecrets: PreviousSecret[] },
  overlapMs: number,
  now: number,
): PreviousSecret[] {
  if (overlapMs <= 0) return [];
  const stillSigning = current.previousSecrets.filter((previous) => previous.expiresAt > now);
  const rotatedOut = { secret: current.secret, expiresAt: now + overlapMs };
  // Newest first; past the cap the oldest go, however long their overlap had left: receivers
  // still on the secret just rotated out are the likeliest, and it gets the overlap asked for.
  return [rotatedOut, ...stillSigning].slice(0, maxPreviousSecrets);
}
