/**
 * `weir --version`: the release, and the runtime it runs on.
 *
 * @module
 */

/** This release of Weir. */
export const WEIR_VERSION = "0.9.0";

/** `weir 0.9.0 (deno 2.9.6, linux x86_64)`. */
export function versionLine(): string {
  return `weir ${WEIR_VERSION} (deno ${Deno.version.deno}, ${Deno.build.os} ${Deno.build.arch})`;
}
