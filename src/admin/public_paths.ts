/**
 * What the API says about files: errors and events name them relative to the
 * data directory (`graphs/sha256-….yaml`) or by their file name, never by an
 * absolute path, which would tell a client how the machine is laid out. The
 * gateway log keeps the full paths.
 *
 * @module
 */
import { basename, relative, resolve } from "node:path";

/**
 * An absolute path of two or more components, starting where a word, URL or
 * relative path could not (after a space, a quote, a bracket, `=` or `,`), and
 * ending before a space, a quote, a bracket or `:` (so `file:line:col` keeps
 * its place).
 */
const ABSOLUTE_PATH = /(?<![^\s"'`(\[=,])\/(?:[^\s"'`()\[\]{},;:\\/]+\/)+[^\s"'`()\[\]{},;:\\/]*/g;

/** Turns absolute paths in a text into names that do not show where things are. */
export type PathHider = (text: string) => string;

/**
 * A hider for one data directory: paths under it become relative to it,
 * every other absolute path becomes its last component.
 */
export function hidePaths(dataDir?: string): PathHider {
  const root = dataDir === undefined ? undefined : resolve(dataDir);
  return (text) =>
    text.replace(ABSOLUTE_PATH, (path) => {
      if (root !== undefined && (path === root || path.startsWith(`${root}/`))) {
        return relative(root, path) || ".";
      }
      return basename(path) || path;
    });
}
