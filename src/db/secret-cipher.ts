/**
 * Encryption of endpoint and source secrets at rest: AES-256-GCM (Web Crypto) with keys from
 * HOOKRELAY_SECRET_KEYS or a key file, newest first. A stored secret reads
 * `enc:v1:<key id>:<iv>:<ciphertext>`; the key id (a hash prefix of the key) says which key
 * opens it, so old keys keep working during a rotation. With no key configured, secrets are
 * stored as they are, and the relay warns at start.
 */
import { createHash } from "node:crypto";
import { HookrelayError } from "../errors/hookrelay-error.ts";

const prefix = "enc:v1:";

interface Key {
  id: string;
  key: CryptoKey;
}

export class SecretCipher {
  readonly #keys: Key[];
  readonly #opened = new Map<string, string>();

  private constructor(keys: Key[]) {
    this.#keys = keys;
  }

  static async create(base64Keys: string[]): Promise<SecretCipher> {
    const keys = await Promise.all(
      base64Keys.map(async (text) => {
        const raw = Buffer.from(text, "base64");
        const id = createHash("sha256").update(raw).digest("hex").slice(0, 8);
        const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, [
          "encrypt",
          "decrypt",
        ]);
        return { id, key };
      }),
    );
    return new SecretCipher(keys);
  }

  get enabled(): boolean {
    return this.#keys.length > 0;
  }

  /** True when `stored` is already sealed with the newest key (or nothing needs sealing). */
  isCurrent(stored: string): boolean {
    const newest = this.#keys[0];
    if (!newest) return !stored.startsWith(prefix);
    return stored.startsWith(`${prefix}${newest.id}:`);
  }

  async seal(secret: string): Promise<string> {
    const newest = this.#keys[0];
    if (!newest) return secret;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv },
      newest.key,
      new TextEncoder().encode(secret),
    );
    const text = `${prefix}${newest.id}:${b64(iv)}:${b64(new Uint8Array(sealed))}`;
    this.#opened.set(text, secret);
    return text;
  }

  async open(stored: string): Promise<string> {
    if (!stored.startsWith(prefix)) return stored;
    const cached = this.#opened.get(stored);
    if (cached !== undefined) return cached;
    const [id, iv, data] = stored.slice(prefix.length).split(":");
    const key = this.#keys.find((k) => k.id === id);
    if (!key || !iv || !data) {
      throw new HookrelayError(
        "ERR_CONFIG",
        `a secret is sealed with key ${id}, which is not configured: ` +
          "add that key to HOOKRELAY_SECRET_KEYS",
        {
          detail: "Add the key it was sealed with to HOOKRELAY_SECRET_KEYS (after the newest)",
        },
      );
    }
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: Buffer.from(iv, "base64") },
      key.key,
      Buffer.from(data, "base64"),
    );
    const secret = new TextDecoder().decode(plain);
    // Claims open the same secrets over and over; a bounded memo spares the decryption.
    if (this.#opened.size > 10_000) this.#opened.clear();
    this.#opened.set(stored, secret);
    return secret;
  }
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/** The cipher the stores use. Set once at start; until then secrets pass through as-is. */
let current: SecretCipher | undefined;

export function useSecretCipher(cipher: SecretCipher): void {
  current = cipher;
}

export function sealSecret(secret: string): Promise<string> {
  return current ? current.seal(secret) : Promise.resolve(secret);
}

export function openSecret(stored: string): Promise<string> {
  return current ? current.open(stored) : Promise.resolve(stored);
}
