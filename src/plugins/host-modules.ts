/**
 * Makes `hookrelay/plugin` and `jose` importable from plugin files loaded at run time. A
 * compiled Bun binary resolves no bare imports for files outside its bundle, so the host
 * registers its own copies as virtual modules (Bun-specific, and the only place that is).
 * Under Deno, an import map does the same (see docs/plugins.md).
 */
import * as jose from "jose";
import * as sdk from "./sdk.ts";

let registered = false;

export function registerHostModules(): void {
  if (registered) return;
  registered = true;
  Bun.plugin({
    name: "hookrelay-host-modules",
    setup(build) {
      build.module("hookrelay/plugin", () => ({ exports: { ...sdk }, loader: "object" }));
      build.module("jose", () => ({ exports: { ...jose }, loader: "object" }));
    },
  });
}
