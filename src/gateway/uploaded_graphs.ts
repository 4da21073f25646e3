/**
 * Graph YAML uploaded for a deploy, kept as `<dataDir>/graphs/sha256-<hex>.yaml`
 * so a restart or a rollback can load it again. Nothing is written until the
 * text is a valid graph, and the file of a deploy that fails is removed again
 * unless a recorded version or another deploy in progress uses it.
 *
 * @module
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../base/mod.ts";
import { parseGraph } from "../graph/mod.ts";

/** What issues of an invalid upload are named after (it has no file yet). */
export const UPLOAD_SOURCE = "uploaded graph";

/** A saved upload: where it is and its digest. */
export interface SavedUpload {
  /** The absolute path of the file. */
  readonly path: string;
  /** `sha256:<hex>` of the text. */
  readonly digest: string;
}

/** The uploaded graphs of one data directory. */
export class UploadedGraphs {
  readonly #dir: string;
  readonly #inUse: (path: string) => boolean;
  /** Deploys in progress per file, so one that fails does not pull the file from under another. */
  readonly #pending = new Map<string, number>();

  /**
   * @param dataDir The data directory; files go to its `graphs/` folder.
   * @param inUse Whether a recorded version (current or rollback target) loads from a file.
   */
  constructor(dataDir: string, inUse: (path: string) => boolean) {
    this.#dir = join(dataDir, "graphs");
    this.#inUse = inUse;
  }

  /**
   * Checks the text as a graph, then writes it. Call {@linkcode release} once
   * the deploy is over.
   *
   * @throws {GraphValidationError} when the text is not a valid graph; nothing is written then.
   */
  async save(text: string): Promise<SavedUpload> {
    parseGraph(text, UPLOAD_SOURCE);
    const bytes = new TextEncoder().encode(text);
    const hex = sha256Hex(bytes);
    const path = join(this.#dir, `sha256-${hex}.yaml`);
    this.#pending.set(path, (this.#pending.get(path) ?? 0) + 1);
    try {
      await mkdir(this.#dir, { recursive: true });
      // Same name, same bytes: a file already there is this upload already.
      await writeFile(path, bytes, { mode: 0o600 });
    } catch (error) {
      await this.release(path, false);
      throw error;
    }
    return { path, digest: `sha256:${hex}` };
  }

  /** Ends a deploy from `path`; when it was not kept and nothing else uses the file, removes it. */
  async release(path: string, kept: boolean): Promise<void> {
    const left = (this.#pending.get(path) ?? 1) - 1;
    if (left > 0) this.#pending.set(path, left);
    else this.#pending.delete(path);
    if (kept || left > 0 || this.#inUse(path)) return;
    await rm(path, { force: true });
  }
}
