/**
 * Discovery at start-up: a broken plugin file (syntax error, throws at import, wrong shape,
 * duplicate name) stops `serve` with a message naming the file and no stack trace, or, with
 * HOOKRELAY_LENIENT_PLUGINS=true, is skipped with an error log line naming it.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { projectRoot, startRelay } from "../support/relay.ts";
import {
  createPluginEndpoint,
  fixtureDir,
  runCli,
  stackTraceLine,
  tempPluginsDir,
} from "./plugins-support.ts";

/** The syntax-error fixture is kept as .txt so that formatters leave it alone. */
const brokenFile = { from: "syntax-error/broken.js.txt", to: "broken.js" };

async function serveRefused(dir: string) {
  const run = await runCli(["serve"], { env: { HOOKRELAY_PLUGINS_DIR: dir } });
  expect(run.stdout).not.toContain('"msg":"listening"');
  expect(run.exitCode).not.toBe(0);
  expect(run.stderr).not.toMatch(stackTraceLine);
  return run.stderr;
}

describe("a broken plugin stops start-up", () => {
  test("refuses a plugin with a syntax error and names the file", async () => {
    using plugins = tempPluginsDir([brokenFile]);
    const stderr = await serveRefused(plugins.dir);

    expect(stderr).toContain(join(plugins.dir, "broken.js"));
    expect(stderr).toContain("--lenient-plugins");
  });

  test("refuses a plugin that throws while it is imported and says what it threw", async () => {
    const stderr = await serveRefused(fixtureDir("throws-at-import"));

    expect(stderr).toContain(join(fixtureDir("throws-at-import"), "explodes.ts"));
    expect(stderr).toContain("explodes fixture is not configured");
  });

  test("refuses a default export of the wrong shape and lists what is wrong", async () => {
    const stderr = await serveRefused(fixtureDir("wrong-shape"));

    expect(stderr).toContain(join(fixtureDir("wrong-shape"), "wrong-shape.ts"));
    expect(stderr).toContain("name must be");
    expect(stderr).toContain("version must be semver");
    expect(stderr).toContain("a signer needs a sign() method");
  });

  test("refuses a second plugin of the same kind and name and names that file", async () => {
    const stderr = await serveRefused(fixtureDir("duplicate-name"));

    expect(stderr).toContain(join(fixtureDir("duplicate-name"), "second-twin.ts"));
    expect(stderr).not.toContain("first-twin.ts");
    expect(stderr).toContain('"twin"');
  });

  test("refuses a user plugin that takes a built-in's name", async () => {
    const stderr = await serveRefused(fixtureDir("builtin-name"));

    expect(stderr).toContain(join(fixtureDir("builtin-name"), "jsonata.ts"));
    expect(stderr).toContain('"jsonata"');
  });

  test("names every broken file in one message", async () => {
    using plugins = tempPluginsDir([
      brokenFile,
      { from: "wrong-shape/wrong-shape.ts", to: "wrong-shape.ts" },
      { from: "working/shout.ts", to: "shout.ts" },
    ]);
    const stderr = await serveRefused(plugins.dir);

    expect(stderr).toContain(join(plugins.dir, "broken.js"));
    expect(stderr).toContain(join(plugins.dir, "wrong-shape.ts"));
    expect(stderr).not.toContain("shout.ts");
  });
});

describe("lenient start-up", () => {
  test("skips each broken plugin with an error log line and loads the rest", async () => {
    using plugins = tempPluginsDir([
      brokenFile,
      { from: "throws-at-import/explodes.ts", to: "explodes.ts" },
      { from: "wrong-shape/wrong-shape.ts", to: "wrong-shape.ts" },
      { from: "duplicate-name/first-twin.ts", to: "first-twin.ts" },
      { from: "duplicate-name/second-twin.ts", to: "second-twin.ts" },
      { from: "working/shout.ts", to: "shout.ts" },
    ]);
    await using relay = await startRelay({
      env: { HOOKRELAY_PLUGINS_DIR: plugins.dir, HOOKRELAY_LENIENT_PLUGINS: "true" },
    });

    const skipped = relay.logs.filter((line) => line.msg === "skipped a broken plugin");
    expect(skipped.map((line) => line.level)).toEqual(["error", "error", "error", "error"]);
    const problems = skipped.map((line) => String(line.problem));
    for (const file of ["broken.js", "explodes.ts", "wrong-shape.ts", "second-twin.ts"]) {
      expect(problems.filter((p) => p.startsWith(`${join(plugins.dir, file)}:`))).toHaveLength(1);
    }
    const loaded = relay.logs.find((line) => line.msg === "loaded plugins");
    expect(loaded?.plugins).toEqual(["twin", "shout"]);
    const endpoint = await createPluginEndpoint(relay, {
      url: "http://127.0.0.1:9/hooks",
      transform: { plugin: "shout" },
    });
    expect(endpoint.transform).toEqual({ plugin: "shout", options: {} });
    const refused = await relay.api("/v1/endpoints", {
      method: "POST",
      json: { url: "http://127.0.0.1:9/hooks", transform: { plugin: "explodes" } },
    });
    expect(refused.status).toBe(422);
  });
});

describe("the plugins directory", () => {
  test("defaults to ./plugins under the working directory", async () => {
    using workdir = tempPluginsDir([{ from: "working/shout.ts", to: "plugins/shout.ts" }]);
    await using relay = await startRelay({
      cwd: workdir.dir,
      command: [process.execPath, "--no-install", join(projectRoot, "src", "main.ts")],
    });

    const loaded = relay.logs.find((line) => line.msg === "loaded plugins");
    expect(loaded).toMatchObject({ plugins: ["shout"], dir: join(workdir.dir, "plugins") });
  });

  test("when it holds no plugin, the log says where the relay looked", async () => {
    using workdir = tempPluginsDir([]);
    await using relay = await startRelay({
      cwd: workdir.dir,
      command: [process.execPath, "--no-install", join(projectRoot, "src", "main.ts")],
    });

    const none = relay.logs.find((line) => line.msg === "no plugin files; built-ins only");
    expect(none).toMatchObject({ dir: join(workdir.dir, "plugins"), exists: false });
  });
});
