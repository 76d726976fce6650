/**
 * Key rotation for secrets at rest: at start, every endpoint and source secret that is not
 * sealed with the newest key (or still plaintext) is opened and sealed again, a page at a
 * time. To rotate: put the new key first in HOOKRELAY_SECRET_KEYS, keep the old one after
 * it, restart; once started, the old key can go.
 */
import { eq } from "drizzle-orm";
import { endpoints, type PreviousSecret, type SourceSecret, sources } from "./schema.ts";
import type { SecretCipher } from "./secret-cipher.ts";
import type { WriteQueue } from "./write-queue.ts";

export async function resealSecrets(writer: WriteQueue, cipher: SecretCipher): Promise<number> {
  return writer.run(async (tx) => {
    let resealed = 0;
    const reseal = async (stored: string) => cipher.seal(await cipher.open(stored));
    const endpointRows = await tx
      .select({ id: endpoints.id, secret: endpoints.secret, previous: endpoints.previousSecrets })
      .from(endpoints);
    for (const row of endpointRows) {
      const stale =
        !cipher.isCurrent(row.secret) || row.previous.some((p) => !cipher.isCurrent(p.secret));
      if (!stale) continue;
      const previousSecrets: PreviousSecret[] = [];
      for (const p of row.previous) previousSecrets.push({ ...p, secret: await reseal(p.secret) });
      await tx
        .update(endpoints)
        .set({ secret: await reseal(row.secret), previousSecrets })
        .where(eq(endpoints.id, row.id));
      resealed++;
    }
    const sourceRows = await tx.select({ id: sources.id, secrets: sources.secrets }).from(sources);
    for (const row of sourceRows) {
      if (row.secrets.every((s) => cipher.isCurrent(s.value))) continue;
      const secrets: SourceSecret[] = [];
      for (const s of row.secrets) secrets.push({ ...s, value: await reseal(s.value) });
      await tx.update(sources).set({ secrets }).where(eq(sources.id, row.id));
      resealed++;
    }
    return resealed;
  });
}
