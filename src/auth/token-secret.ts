/**
 * API token values. A token is `hr_` + 32 random bytes (base64url); only its SHA-256 is
 * stored, so a copy of the database does not hand out access. SHA-256 without a salt is
 * enough here: the input is 256 random bits, not a password anyone could guess.
 */
import { createHash, randomBytes } from "node:crypto";

export function generateTokenSecret(): string {
  return `hr_${randomBytes(32).toString("base64url")}`;
}

export function hashTokenSecret(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
