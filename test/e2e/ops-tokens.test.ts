/**
 * Named API tokens with scopes, and JWTs: the publish scope only publishes, read only reads,
 * token management is admin-only, a revoked token stops at once, only hashes are stored and
 * no token reaches a log line.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { type Relay, startRelay } from "../support/relay.ts";
import { expectProblem } from "./api-fixtures.ts";
import { slow, useTempDir } from "./ops-support.ts";

interface CreatedToken {
  id: string;
  name: string;
  scopes: string[];
  token: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function createToken(relay: Relay, name: string, scopes: string[]): Promise<CreatedToken> {
  return relay.json("/v1/tokens", { method: "POST", json: { name, scopes } });
}

function as(
  relay: Relay,
  token: string,
  path: string,
  init: RequestInit & { json?: unknown } = {},
) {
  return relay.api(path, { ...init, headers: { authorization: `Bearer ${token}` } });
}

const event = { type: "scope.test", payload: { n: 1 } };

describe("named tokens", () => {
  test(
    "limit a publish token to POST /v1/events",
    async () => {
      await using relay = await startRelay();
      const { token } = await createToken(relay, "billing", ["publish"]);
      expect((await as(relay, token, "/v1/events", { method: "POST", json: event })).status).toBe(
        202,
      );
      await expectProblem(await as(relay, token, "/v1/events"), { status: 403, slug: "forbidden" });
      const create = as(relay, token, "/v1/endpoints", {
        method: "POST",
        json: { url: "https://example.com/hooks" },
      });
      await expectProblem(await create, { status: 403, slug: "forbidden" });
      await expectProblem(await as(relay, token, "/v1/tokens"), { status: 403, slug: "forbidden" });
    },
    slow,
  );

  test(
    "limit a read token to reading",
    async () => {
      await using relay = await startRelay();
      const { token } = await createToken(relay, "dashboard", ["read"]);
      expect((await as(relay, token, "/v1/endpoints")).status).toBe(200);
      expect((await as(relay, token, "/v1/dead-letters")).status).toBe(200);
      const published = as(relay, token, "/v1/events", { method: "POST", json: event });
      await expectProblem(await published, { status: 403, slug: "forbidden" });
      await expectProblem(await as(relay, token, "/v1/tokens"), { status: 403, slug: "forbidden" });
    },
    slow,
  );

  test(
    "let an admin token manage tokens, and a revoked token stops at once",
    async () => {
      await using relay = await startRelay();
      const admin = await createToken(relay, "ops", ["admin"]);
      const created = (await (
        await as(relay, admin.token, "/v1/tokens", {
          method: "POST",
          json: { name: "ci", scopes: ["publish", "read"] },
        })
      ).json()) as CreatedToken;
      expect(created).toEqual({
        id: expect.stringMatching(/^tok_/),
        name: "ci",
        scopes: ["publish", "read"],
        token: expect.stringMatching(/^hr_[A-Za-z0-9_-]{43}$/),
        createdAt: expect.any(String),
        lastUsedAt: null,
        revokedAt: null,
      });
      expect((await as(relay, created.token, "/v1/events")).status).toBe(200);
      const revoke = await as(relay, admin.token, `/v1/tokens/${created.id}`, { method: "DELETE" });
      expect(revoke.status).toBe(204);
      await expectProblem(await as(relay, created.token, "/v1/events"), {
        status: 401,
        slug: "unauthorized",
      });
      const listed = await relay.json<{ data: Omit<CreatedToken, "token">[] }>("/v1/tokens");
      expect(listed.data.find((t) => t.id === created.id)?.revokedAt).toEqual(expect.any(String));
      expect(JSON.stringify(listed)).not.toContain(created.token);
    },
    slow,
  );

  test(
    "are stored as SHA-256 hashes and never logged",
    async () => {
      using dir = useTempDir();
      await using relay = await startRelay({ dataDir: dir.path });
      const created = await createToken(relay, "hashed", ["read"]);
      expect((await as(relay, created.token, "/v1/endpoints")).status).toBe(200);
      await as(relay, "hr_not-a-token-at-all-0123456789", "/v1/endpoints");
      const db = createClient({ url: `file:${join(dir.path, "hookrelay.db")}` });
      try {
        const rows = (await db.execute("SELECT token_hash FROM api_tokens")).rows;
        const hash = createHash("sha256").update(created.token).digest("hex");
        expect(rows.map((row) => row.token_hash)).toEqual([hash]);
      } finally {
        db.close();
      }
      const logged = relay.logs.map((line) => JSON.stringify(line)).join("\n");
      expect(logged).toContain(created.id);
      expect(logged).not.toContain(created.token);
      expect(logged).not.toContain(relay.token);
    },
    slow,
  );
});

describe("JWTs", () => {
  const secret = "a-shared-hs256-secret-of-32-chars!!";

  test(
    "are accepted with an HS256 secret, with the scope claim as their scopes",
    async () => {
      await using relay = await startRelay({ env: { HOOKRELAY_JWT_SECRET: secret } });
      const key = new TextEncoder().encode(secret);
      const reader = await new SignJWT({ scope: "read" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("grafana")
        .setExpirationTime("5m")
        .sign(key);
      expect((await as(relay, reader, "/v1/endpoints")).status).toBe(200);
      const write = as(relay, reader, "/v1/events", { method: "POST", json: event });
      await expectProblem(await write, { status: 403, slug: "forbidden" });
      const expired = await new SignJWT({ scope: "admin" })
        .setProtectedHeader({ alg: "HS256" })
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(key);
      await expectProblem(await as(relay, expired, "/v1/endpoints"), {
        status: 401,
        slug: "unauthorized",
      });
      const forged = await new SignJWT({ scope: "admin" })
        .setProtectedHeader({ alg: "HS256" })
        .sign(new TextEncoder().encode("some-other-secret-that-is-32-chars!"));
      await expectProblem(await as(relay, forged, "/v1/endpoints"), {
        status: 401,
        slug: "unauthorized",
      });
    },
    slow,
  );

  test(
    "are accepted when signed by a key of a JWKS file",
    async () => {
      using dir = useTempDir();
      const { publicKey, privateKey } = await generateKeyPair("ES256");
      const jwk = { ...(await exportJWK(publicKey)), kid: "ops-1", alg: "ES256" };
      const jwksFile = join(dir.path, "jwks.json");
      writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
      await using relay = await startRelay({
        env: { HOOKRELAY_JWKS_FILE: jwksFile, HOOKRELAY_JWT_ISSUER: "https://idp.example" },
      });
      const sign = (issuer: string) =>
        new SignJWT({ scope: ["publish"] })
          .setProtectedHeader({ alg: "ES256", kid: "ops-1" })
          .setIssuer(issuer)
          .sign(privateKey);
      const good = await sign("https://idp.example");
      expect((await as(relay, good, "/v1/events", { method: "POST", json: event })).status).toBe(
        202,
      );
      await expectProblem(await as(relay, good, "/v1/endpoints"), {
        status: 403,
        slug: "forbidden",
      });
      const otherIssuer = await sign("https://elsewhere.example");
      await expectProblem(
        await as(relay, otherIssuer, "/v1/events", { method: "POST", json: event }),
        { status: 401, slug: "unauthorized" },
      );
    },
    slow,
  );

  test(
    "are accepted when signed by a key the JWKS URL publishes",
    async () => {
      const { publicKey, privateKey } = await generateKeyPair("EdDSA");
      const jwk = { ...(await exportJWK(publicKey)), kid: "idp-2026", alg: "EdDSA" };
      using idp = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: () => Response.json({ keys: [jwk] }),
      });
      await using relay = await startRelay({
        env: { HOOKRELAY_JWKS_URL: `http://127.0.0.1:${idp.port}/.well-known/jwks.json` },
      });
      const admin = await new SignJWT({ scope: "admin" })
        .setProtectedHeader({ alg: "EdDSA", kid: "idp-2026" })
        .setExpirationTime("5m")
        .sign(privateKey);
      expect((await as(relay, admin, "/v1/tokens")).status).toBe(200);
    },
    slow,
  );
});
