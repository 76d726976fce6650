/**
 * Imported HMAC keys, reused. A steady stream to one endpoint signs with the same secret
 * every time, and `importKey` cost about a quarter of each signature; the key is imported
 * once per (hash, secret bytes) instead. Web-standard only, as the SDK that uses it.
 */

export type HmacHash = "SHA-256" | "SHA-512" | "SHA-1";

// Far more than the secrets a relay signs with at once (endpoints x rotation); when full the
// map starts over rather than track recency, so the worst case is importing as before.
const maxCachedKeys = 4096;

/**
 * Keyed by the hash name and the key bytes as a binary string. This keeps secret material in
 * memory exactly as the CryptoKeys themselves do; it is never logged or put in an error.
 */
const importedKeys = new Map<string, CryptoKey>();

/** The HMAC key for these bytes, imported on first use. */
export async function importHmacKey(hash: HmacHash, keyBytes: Uint8Array): Promise<CryptoKey> {
  const cacheKey = `${hash}:${binaryString(keyBytes)}`;
  const cached = importedKeys.get(cacheKey);
  if (cached) return cached;
  const key = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(keyBytes),
    { name: "HMAC", hash },
    false,
    ["sign"],
  );
  if (importedKeys.size >= maxCachedKeys) importedKeys.clear();
  importedKeys.set(cacheKey, key);
  return key;
}

function binaryString(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}
