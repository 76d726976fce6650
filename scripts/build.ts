/**
 * Builds dist/hookrelay with `bun build --compile`.
 *
 * libsql picks its native addon with a computed `require(`@libsql/${target}`)`, which the
 * bundler cannot follow, so the addon would be missing from the executable. The plugin below
 * rewrites that one call into a static require of the addon for the build's target, which
 * Bun then embeds.
 */
import type { BunPlugin } from "bun";
import { dirname } from "node:path";
import { familySync, GLIBC } from "detect-libc";
import { renderServiceUnit } from "../src/cli/service-unit.ts";

const version: string = (await Bun.file("package.json").json()).version;
const entry = process.argv[2] ?? "src/main.ts";
const outfile = process.argv[3] ?? "dist/hookrelay";

function libsqlTarget(): string {
  const libc = process.platform === "linux" ? (familySync() === GLIBC ? "-gnu" : "-musl") : "";
  return `${process.platform}-${process.arch}${libc}`;
}

const staticLibsqlAddon: BunPlugin = {
  name: "static-libsql-addon",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]libsql[\\/]index\.js$/ }, async (args) => {
      const source = await Bun.file(args.path).text();
      const computed = "return require(`@libsql/${target}`);";
      if (!source.includes(computed)) {
        throw new Error(`libsql's addon loader changed; update ${import.meta.file}`);
      }
      const fixed = source.replace(computed, `return require("@libsql/${libsqlTarget()}");`);
      return { contents: fixed, loader: "js" };
    });
  },
};

const result = await Bun.build({
  // The plugin sandbox's worker is its own entry point so that the executable embeds it.
  entrypoints: [entry, "src/plugins/sandbox-worker.ts"],
  compile: { outfile, autoloadDotenv: false, autoloadBunfig: false },
  minify: true,
  // Parsing the bundle was half of a cold start: the executable carries it compiled (about
  // 150 ms from exec to /readyz instead of 300 ms here, for 7 MB more binary).
  bytecode: true,
  format: "esm",
  sourcemap: "linked",
  plugins: [staticLibsqlAddon],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${outfile} (hookrelay ${version}, libsql ${libsqlTarget()})`);

// The systemd unit beside the binary, for the documented install: as
// `/usr/local/bin/hookrelay install-service` prints it with the default shutdown grace.
const unitFile = `${dirname(outfile)}/hookrelay.service`;
await Bun.write(
  unitFile,
  renderServiceUnit({
    binary: "/usr/local/bin/hookrelay",
    configPath: "/etc/hookrelay/hookrelay.toml",
    environmentFile: "/etc/hookrelay/hookrelay.env",
    stopTimeoutSeconds: 30,
  }),
);
console.log(`wrote ${unitFile}`);
