/**
 * The one setting that says where AIO's public samples live. They are never
 * copied into the repo; tests that need them skip with a clear message when
 * the folder is absent.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";

const REPO_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** The environment variable that overrides the samples folder. */
export const SAMPLES_ENV = "WEIR_AIO_SAMPLES";

/** Absolute path of the AIO samples folder (default `../shared/aio-samples` from the repo). */
export const SAMPLES_DIR: string = resolve(
  REPO_ROOT,
  Deno.env.get(SAMPLES_ENV) ?? "../shared/aio-samples",
);

/** True when the samples folder is there. */
export const SAMPLES_PRESENT: boolean = existsSync(SAMPLES_DIR);

/** Why sample-based tests are skipped, for the test name. */
export const SAMPLES_SKIP_NOTE: string = SAMPLES_PRESENT
  ? ""
  : ` (skipped: AIO samples not found at ${SAMPLES_DIR}; set ${SAMPLES_ENV})`;

/** A path inside the samples folder. */
export function samplePath(...parts: string[]): string {
  return join(SAMPLES_DIR, ...parts);
}

/** The repository root, for tests that read repo files. */
export const ROOT: string = REPO_ROOT;
