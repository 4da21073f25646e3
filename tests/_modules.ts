/**
 * Where the sample modules built from `modules/` are (`deno task modules`
 * builds them). Tests that need them skip, saying so, when they are absent.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ROOT } from "./_samples.ts";

/** The folder of built `.wasm` modules (override with WEIR_MODULES_DIR). */
export const MODULES_DIR: string = resolve(
  ROOT,
  Deno.env.get("WEIR_MODULES_DIR") ?? "modules/dist",
);

/** The path of a built module. */
export function modulePath(name: string): string {
  return join(MODULES_DIR, `${name}.wasm`);
}

/** True when every named module has been built. */
export function modulesBuilt(...names: string[]): boolean {
  return names.every((n) => existsSync(modulePath(n)));
}

/** A note for test names when modules are missing. */
export function modulesNote(...names: string[]): string {
  return modulesBuilt(...names)
    ? ""
    : ` (skipped: ${names.join(", ")} not built in ${MODULES_DIR}; run deno task modules)`;
}
