/**
 * The content-addressed cache of pulled artifacts: every blob (manifests
 * included) under `blobs/sha256/<hex>`, named by its verified digest, and a
 * small index from tag references to manifest digests under `refs/`, so a
 * tag pulled once resolves again when the registry is out of reach. Every
 * write goes to `tmp/` first and is renamed into place, so a reader never
 * sees half a file and a failed download leaves nothing behind.
 *
 * @module
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { digestHex, sha256Digest } from "./digest.ts";
import { OciError } from "./errors.ts";
import { type FreeSpace, freeSpace } from "./free_space.ts";

/** Left free on the cache's disk after any blob, for the queue and the logs beside it. */
export const DISK_RESERVE_BYTES = 64 * 1024 * 1024;

/** Options for {@linkcode OciCache}. */
export interface OciCacheOptions {
  /** Free bytes on the disk of a folder; undefined when unknown. @default statfs */
  readonly freeSpace?: FreeSpace;
  /** Told once when free space cannot be measured (so blobs are written unchecked). */
  readonly onUnmeasured?: (why: string) => void;
}

/** A file being written under `tmp/`, not yet in the cache. */
export interface StagedFile {
  readonly path: string;
  readonly file: Deno.FsFile;
}

/** What the tag index holds for one reference. */
export interface TagRecord {
  /** The reference as text (`host/repo:tag`). */
  readonly ref: string;
  /** The manifest (or index) digest the tag pointed at. */
  readonly digest: string;
  /** When it was recorded (ISO 8601). */
  readonly at: string;
}

/** The cache directory. */
export class OciCache {
  /** The cache's root directory. */
  readonly dir: string;
  #freeSpace: FreeSpace;
  #onUnmeasured: ((why: string) => void) | undefined;

  /** Uses (and creates on first write) the directory. */
  constructor(dir: string, options: OciCacheOptions = {}) {
    this.dir = dir;
    this.#freeSpace = options.freeSpace ?? freeSpace;
    this.#onUnmeasured = options.onUnmeasured;
  }

  /**
   * Refuses a blob of `size` bytes when it would leave less than
   * {@linkcode DISK_RESERVE_BYTES} free on the cache's disk.
   *
   * @throws {OciError} reason `io` naming the sizes.
   */
  async ensureRoom(size: number, what: string): Promise<void> {
    const free = await this.#freeSpace(await this.#existingAncestor());
    if (typeof free === "string") {
      this.#onUnmeasured?.(free);
      this.#onUnmeasured = undefined;
      return;
    }
    if (size + DISK_RESERVE_BYTES > free) {
      throw new OciError(
        "io",
        `Not enough disk space for the ${what}: it is ${size} bytes and "${this.dir}" has ` +
          `${free} bytes free, ${DISK_RESERVE_BYTES} of which stay free (refused: nothing was written)`,
      );
    }
  }

  /** The cache folder, or the nearest folder above it that exists yet. */
  async #existingAncestor(): Promise<string> {
    let dir = this.dir;
    for (;;) {
      try {
        await stat(dir);
        return dir;
      } catch {
        const parent = join(dir, "..");
        if (parent === dir) return dir;
        dir = parent;
      }
    }
  }

  /** Where a blob is (or would be). */
  blobPath(digest: string): string {
    return join(this.dir, "blobs", "sha256", digestHex(digest));
  }

  /** True when the blob is cached (with the expected size, if given). */
  async hasBlob(digest: string, size?: number): Promise<boolean> {
    try {
      const info = await stat(this.blobPath(digest));
      return info.isFile() && (size === undefined || info.size === size);
    } catch {
      return false;
    }
  }

  /** A cached blob's bytes, or undefined when it is not cached. */
  async readBlob(digest: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.blobPath(digest)));
    } catch {
      return undefined;
    }
  }

  /** Stores small content (a manifest) after checking it has the digest it claims. */
  async putBlob(digest: string, bytes: Uint8Array): Promise<string> {
    const actual = sha256Digest(bytes);
    if (actual !== digest) {
      throw new OciError(
        "digest_mismatch",
        `Refusing to cache content as ${digest}: it is ${actual}`,
      );
    }
    const staged = await this.stage();
    try {
      await staged.file.write(bytes);
    } catch (error) {
      await this.discard(staged);
      throw this.#ioError("write", staged.path, error);
    }
    return await this.commit(staged, digest);
  }

  /** Opens a new temporary file in the cache's `tmp/`. */
  async stage(): Promise<StagedFile> {
    const dir = join(this.dir, "tmp");
    try {
      await mkdir(dir, { recursive: true });
      const path = join(dir, `${crypto.randomUUID()}.part`);
      const file = await Deno.open(path, { write: true, createNew: true });
      return { path, file };
    } catch (error) {
      throw this.#ioError("write in", dir, error);
    }
  }

  /** Closes a staged file and moves it into place as the blob `digest`. */
  async commit(staged: StagedFile, digest: string): Promise<string> {
    closeQuietly(staged.file);
    const target = this.blobPath(digest);
    try {
      await mkdir(join(this.dir, "blobs", "sha256"), { recursive: true });
      await rename(staged.path, target);
    } catch (error) {
      await rm(staged.path, { force: true });
      throw this.#ioError("write", target, error);
    }
    return target;
  }

  /** Closes and deletes a staged file. */
  async discard(staged: StagedFile): Promise<void> {
    closeQuietly(staged.file);
    await rm(staged.path, { force: true });
  }

  /** Records that the tag reference `ref` pointed at `digest`. */
  async recordTag(ref: string, digest: string): Promise<void> {
    const record: TagRecord = { ref, digest, at: new Date().toISOString() };
    const dir = join(this.dir, "refs");
    const target = this.#tagPath(ref);
    const temp = join(this.dir, "tmp", `${crypto.randomUUID()}.ref`);
    try {
      await mkdir(dir, { recursive: true });
      await mkdir(join(this.dir, "tmp"), { recursive: true });
      await writeFile(temp, JSON.stringify(record) + "\n");
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw this.#ioError("write", target, error);
    }
  }

  /** What the tag reference last pointed at, or undefined when it was never recorded. */
  async lookupTag(ref: string): Promise<TagRecord | undefined> {
    try {
      const record = JSON.parse(await readFile(this.#tagPath(ref), "utf8")) as TagRecord;
      return record.ref === ref && typeof record.digest === "string" ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /** One file per reference, named by the reference's hash (references may be long). */
  #tagPath(ref: string): string {
    return join(this.dir, "refs", `${digestHex(sha256Digest(new TextEncoder().encode(ref)))}.json`);
  }

  #ioError(action: string, path: string, error: unknown): OciError {
    return new OciError(
      "io",
      `Cannot ${action} the OCI cache at "${path}": ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

function closeQuietly(file: Deno.FsFile): void {
  try {
    file.close();
  } catch {
    // already closed
  }
}

/**
 * Where the OCI cache lives by default: `<dataDir>/oci` for a gateway with a
 * data directory, else `~/.cache/weir/oci` (or `$XDG_CACHE_HOME/weir/oci`).
 */
export function defaultCacheDir(dataDir?: string): string {
  if (dataDir !== undefined) return join(dataDir, "oci");
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  const base = xdg !== undefined && xdg !== "" ? xdg : join(Deno.env.get("HOME") ?? ".", ".cache");
  return join(base, "weir", "oci");
}
