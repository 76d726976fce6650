/**
 * Verifier plugins that fail: one that throws, and one gone after a restart. Either way the
 * request is refused with 401, nothing is stored, and the relay keeps serving.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startRelay } from "../support/relay.ts";
import {
  countEvents,
  createSource,
  expectServing,
  expectSignatureRejected,
  inboundFixtures,
  ingest,
  ingestAccepted,
  useDataDir,
} from "../fixtures/inbound/inbound-fixtures.ts";
import { body, json } from "../fixtures/inbound/rejection-requests.ts";

describe("verifier plugins that fail", () => {
  const pluginsDir = join(inboundFixtures, "plugins");

  test("refuses with 401 when the verifier throws, and stores nothing", async () => {
    await using withPlugins = await startRelay({ env: { HOOKRELAY_PLUGINS_DIR: pluginsDir } });
    const source = await createSource(withPlugins, {
      name: "explodes",
      verifier: { scheme: "exploding", secrets: ["whatever-it-is"] },
    });
    const response = await ingest(withPlugins, source.name, { body, headers: json });

    await expectSignatureRejected(response, "bad_signature");
    expect(await countEvents(withPlugins)).toBe(0);
    await expectServing(withPlugins);
  }, 30_000);

  test("fails closed when a source's verifier plugin is gone after a restart", async () => {
    using dir = useDataDir();
    const dataDir = dir.path;
    const passphrase = { ...json, "x-passphrase": "open sesame, please" };
    {
      const withPlugins = { dataDir, env: { HOOKRELAY_PLUGINS_DIR: pluginsDir } };
      await using first = await startRelay(withPlugins);
      await createSource(first, {
        name: "passphrase",
        verifier: { scheme: "passphrase", secrets: ["open sesame, please"] },
      });
      await ingestAccepted(first, "passphrase", { body, headers: passphrase });
    }
    await using second = await startRelay({ dataDir });
    const before = await countEvents(second);
    const response = await ingest(second, "passphrase", { body, headers: passphrase });

    await expectSignatureRejected(response, "bad_signature");
    expect(await countEvents(second)).toBe(before);
    await expectServing(second);
  }, 30_000);
});
