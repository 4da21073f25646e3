/**
 * Free disk space under a folder, from `statfs` (node:fs; Deno has no
 * `Deno.statfs`). It needs `--allow-sys=statfs`; without that permission the
 * answer says why it is unknown instead of failing the pull.
 *
 * @module
 */
import { statfs } from "node:fs/promises";

/** Bytes an unprivileged process may still write under `dir`, or why that is unknown. */
export type FreeSpace = (dir: string) => Promise<number | string>;

/** The default {@linkcode FreeSpace}: `bavail × bsize` of the folder's filesystem. */
export async function freeSpace(dir: string): Promise<number | string> {
  try {
    const info = await statfs(dir);
    return Number(info.bavail) * Number(info.bsize);
  } catch (error) {
    return error instanceof Deno.errors.NotCapable
      ? "statfs is not allowed (run with --allow-sys=statfs)"
      : `statfs failed: ${(error as Error).message}`;
  }
}
