/**
 * Module references in graphs (`[registry/][repo/path/]name[:tag|@digest]`)
 * and how the offline runner finds them: `<dir>/<name>.wasm`.
 *
 * @module
 */
import { join } from "node:path";

/** The module's name: the last path segment without tag or digest. */
export function moduleName(ref: string): string {
  const noDigest = ref.split("@")[0]!;
  const last = noDigest.split("/").pop()!;
  const colon = last.indexOf(":");
  return colon >= 0 ? last.slice(0, colon) : last;
}

/** Where the offline runner looks for a module: `<dir>/<name>.wasm`. */
export function moduleFile(dir: string, ref: string): string {
  return join(dir, `${moduleName(ref)}.wasm`);
}
