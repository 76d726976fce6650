/** Bearer-token check for `/v1`. Compared as SHA-256 digests in constant time. */
import { createHash, timingSafeEqual } from "node:crypto";
import { HookrelayError } from "../errors/hookrelay-error.ts";

export function createTokenCheck(token: string): (authorization: string | null) => void {
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new HookrelayError("ERR_UNAUTHORIZED", "bad or missing token", {
        detail: "Send Authorization: Bearer <token>",
      });
    }
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
