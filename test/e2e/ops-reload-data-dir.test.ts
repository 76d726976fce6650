/**
 * A reload keeps the running data directory: a file whose `data_dir` changed (a restart-only
 * setting) must not make the relay read or write another directory's managed.json, and what
 * the file dropped is still removed from the running relay.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeDataDir, startRelay } from "../support/relay.ts";
import type { Page } from "./api-fixtures.ts";
import { reload, slow, useTempDir } from "./ops-support.ts";

const source = (name: string) =>
  [
    "[[sources]]",
    `name = "${name}"`,
    "destinations = []",
    "[sources.verifier]",
    'scheme = "github"',
    'secrets = ["gh-secret-0123456789"]',
  ].join("\n");

describe("reloading with another data_dir in the file", () => {
  test(
    "keeps the running data directory's managed state",
    async () => {
      using dir = useTempDir();
      const running = makeDataDir();
      const other = join(dir.path, "other-data");
      mkdirSync(other);
      writeFileSync(join(other, "managed.json"), '{"note":"another relay\'s state"}\n');
      const path = join(dir.path, "hookrelay.toml");
      const file = (dataDir: string, body: string) => `data_dir = "${dataDir}"\n${body}\n`;
      writeFileSync(path, file(running, `${source("keep")}\n${source("drop")}`));
      await using relay = await startRelay({
        env: { HOOKRELAY_CONFIG: path },
        unset: ["HOOKRELAY_DATA_DIR"],
      });

      const applied = await reload(
        relay,
        path,
        file(other, source("keep")),
        "declared sources applied",
      );
      expect(applied).toMatchObject({ deleted: [expect.stringMatching(/^src_/)], unchanged: 1 });
      const names = (await relay.json<Page<{ name: string }>>("/v1/sources")).data.map(
        (s) => s.name,
      );
      expect(names).toEqual(["keep"]);
      expect(readFileSync(join(other, "managed.json"), "utf8")).toContain("another relay's state");
      expect(JSON.parse(readFileSync(join(running, "managed.json"), "utf8"))).toMatchObject({
        sources: ["keep"],
      });
      expect(existsSync(join(other, "hookrelay.db"))).toBe(false);
    },
    slow,
  );

  test(
    "refuses a reload that would delete every declared object, as an emptied file would",
    async () => {
      using dir = useTempDir();
      const path = join(dir.path, "hookrelay.toml");
      writeFileSync(path, `${source("keep")}\n`);
      await using relay = await startRelay({ env: { HOOKRELAY_CONFIG: path } });

      const refused = await reload(
        relay,
        path,
        "",
        "reload refused; the relay keeps its current configuration",
      );
      expect(JSON.stringify(refused)).toContain("declares no endpoints and no sources");
      const names = (await relay.json<Page<{ name: string }>>("/v1/sources")).data.map(
        (s) => s.name,
      );
      expect(names).toEqual(["keep"]);
    },
    slow,
  );
});
