/**
 * The admin token: 32 random bytes (base64url) kept in `<dataDir>/admin-token`
 * with mode 0600. Created on first start; on later starts it is read back,
 * and refused when others could read it, since anyone holding it can change
 * what the gateway runs.
 *
 * @module
 */
import { join } from "node:path";
import { WeirError } from "../base/mod.ts";

/** The token file's name inside the data directory. */
export const TOKEN_FILE_NAME = "admin-token";

/** Shortest token accepted from an existing file (a generated one has 43 characters). */
const MIN_TOKEN_LENGTH = 32;

/** The admin token and where it came from. */
export interface AdminToken {
  /** The token itself. */
  readonly token: string;
  /** The file it is kept in. */
  readonly path: string;
  /** True when this call created it (first start): the only time it is shown. */
  readonly created: boolean;
}

/** 32 random bytes as base64url without padding. */
export function generateToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

async function readExisting(path: string): Promise<AdminToken> {
  const info = await Deno.stat(path);
  if (!info.isFile) {
    throw new WeirError("usage", `Admin token path "${path}" is not a file`);
  }
  const mode = info.mode ?? 0;
  if ((mode & 0o077) !== 0) {
    throw new WeirError(
      "usage",
      `Admin token file "${path}" has mode ${
        octal(mode)
      }, which lets other users read it; expected 0600 (run chmod 600 "${path}", or delete it to get a new token)`,
    );
  }
  const token = (await Deno.readTextFile(path)).trim();
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new WeirError(
      "usage",
      `Admin token file "${path}" holds no usable token (expected one line of at least ${MIN_TOKEN_LENGTH} characters); delete it to get a new one`,
    );
  }
  return { token, path, created: false };
}

/**
 * Reads the admin token from `<dataDir>/admin-token`, or creates the file
 * (mode 0600, created exclusively so two starts cannot race) with a new token.
 *
 * @throws {WeirError} code `usage` when the file is readable by others or holds no usable token.
 */
export async function loadOrCreateToken(dataDir: string): Promise<AdminToken> {
  await Deno.mkdir(dataDir, { recursive: true });
  const path = join(dataDir, TOKEN_FILE_NAME);
  const token = generateToken();
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return await readExisting(path);
    throw error;
  }
  try {
    // The umask can only take bits away from 0600; chmod makes the mode exact.
    await Deno.chmod(path, 0o600);
    await file.write(new TextEncoder().encode(token + "\n"));
  } finally {
    file.close();
  }
  return { token, path, created: true };
}
