/**
 * Secrets the configuration points at instead of holding: a file (its text,
 * less one trailing newline) or an environment variable (an empty one counts
 * as not set). The rules live here once; the reading is passed in, so this
 * stays free of I/O, and each area words the failure in its own error.
 *
 * @module
 */

/** Where a secret is: a file or an environment variable (exactly one). */
export interface SecretRef {
  readonly file?: string | undefined;
  readonly env?: string | undefined;
}

/** How to reach files and the environment. */
export interface SecretIo {
  readFile(path: string): Uint8Array;
  env(name: string): string | undefined;
}

/** A secret's text, or what is wrong (`cannot read "<file>": …`, `… is not set`). */
export type SecretResult =
  | { readonly text: string }
  | { readonly problem: string; readonly cause?: unknown };

/** Resolves a secret reference. */
export function resolveSecret(ref: SecretRef, io: SecretIo): SecretResult {
  if (ref.file !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = io.readFile(ref.file);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { problem: `cannot read "${ref.file}": ${reason}`, cause: error };
    }
    return { text: new TextDecoder().decode(bytes).replace(/\r?\n$/, "") };
  }
  const value = ref.env === undefined ? undefined : io.env(ref.env);
  if (value === undefined || value === "") {
    return { problem: `environment variable "${ref.env ?? ""}" is not set` };
  }
  return { text: value };
}
