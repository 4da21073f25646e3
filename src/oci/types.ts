/**
 * What the OCI client hands back and reports: pulled artifacts, pulled
 * graphs with their modules, and progress.
 *
 * @module
 */

/** Where a pull is. */
export type PullPhase =
  /** Asking the registry (or the cache) what the reference points at. */
  | "manifest"
  /** Bytes are arriving. */
  | "download"
  /** The blob was already cached; nothing to download. */
  | "cached"
  /** Bytes are leaving (push). */
  | "upload"
  /** Finished this artifact. */
  | "done";

/** One progress report. */
export interface PullProgress {
  /** The reference being worked on. */
  readonly ref: string;
  /** What is happening. */
  readonly phase: PullPhase;
  /** Bytes of the current blob so far. */
  readonly doneBytes: number;
  /** Bytes of the current blob in all (0 while unknown). */
  readonly totalBytes: number;
}

/** Receives progress reports. */
export type ProgressListener = (progress: PullProgress) => void;

/** A module or graph in the cache, pulled and verified. */
export interface PulledArtifact {
  /** The reference it was pulled as, in full (`host/repo:tag` or `host/repo@sha256:…`). */
  readonly ref: string;
  /**
   * The digest the reference resolved to (the manifest, or the index when the
   * tag points at one): compare it with {@linkcode OciClient.resolveDigest} to see a tag move.
   */
  readonly digest: string;
  /** The digest of the payload itself (the `.wasm` or YAML bytes). */
  readonly blobDigest: string;
  /** The payload's file in the cache. */
  readonly path: string;
  /** The payload's size in bytes. */
  readonly size: number;
  /** The payload layer's media type. */
  readonly mediaType: string;
  /** True when the registry could not be reached and the tag was resolved from the cache. */
  readonly offline: boolean;
}

/** A graph with every module its operations name. */
export interface PulledGraph extends PulledArtifact {
  /** Modules by the reference as written in the graph (`temperature:1.0.0`). */
  readonly modules: ReadonlyMap<string, PulledArtifact>;
}

/** What a push produced. */
export interface PushedArtifact {
  /** The full reference pushed to. */
  readonly ref: string;
  /** The manifest digest. */
  readonly digest: string;
  /** The payload's digest. */
  readonly blobDigest: string;
  /** The payload's size in bytes. */
  readonly size: number;
}
