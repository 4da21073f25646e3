/**
 * Where a sibling module (a worker's entry) is: beside the importing file,
 * with the importing file's extension. In a checkout that is the `.ts`
 * source; in a release every entry is bundled into one `.js` file, and the
 * packager writes each worker's bundle beside the main one under the same
 * name with `.js`.
 *
 * @module
 */

/**
 * The URL of `<name>.ts` or `<name>.js` beside `base`, following `base`'s own extension.
 *
 * @param base The importing module's `import.meta.url`.
 * @param name The sibling's file name without extension, e.g. `operator_worker`.
 */
export function siblingModuleUrl(base: string, name: string): URL {
  const extension = /\.(ts|js|mjs)$/.exec(new URL(base).pathname)?.[1] ?? "ts";
  return new URL(`./${name}.${extension}`, base);
}
