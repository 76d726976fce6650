/**
 * What a rotation leaves signing. The secret rotated out joins the ones still in their
 * overlap, so rotating twice within an overlap cuts no receiver short: each secret keeps
 * signing until its own overlap ends. A rotation without overlap replaces every secret at
 * once, which is what an operator whose secret leaked wants.
 */
import type { PreviousSecret } from "../db/schema.ts";

/** At most this many rotated-out secrets sign beside the current one; each adds a signature. */
export const maxPreviousSecrets = 4;

/**
 * The previous secrets once `next` is current. Rotating to the current secret changes
 * nothing (a client retrying its rotate must not push real secrets out), and a previous
 * secret made current again leaves the list instead of signing twice.
 */
export function previousSecretsAfterRotation(
  current: { secret: string; previousSecrets: PreviousSecret[] },
  next: string,
  overlapMs: number,
  now: number,
): PreviousSecret[] {
  if (next === current.secret) return current.previousSecrets;
  if (overlapMs <= 0) return [];
  const stillSigning = current.previousSecrets.filter(
    (previous) => previous.expiresAt > now && previous.secret !== next,
  );
  const rotatedOut = { secret: current.secret, expiresAt: now + overlapMs };
  // Newest first; past the cap the oldest go, however long their overlap had left: receivers
  // still on the secret just rotated out are the likeliest, and it gets the overlap asked for.
  return [rotatedOut, ...stillSigning].slice(0, maxPreviousSecrets);
}
