/**
 * Where a dataflow's state store lives: `<dataDir>/state/<dataflow>/state.db`,
 * a folder per dataflow, so each store and its WAL files stand apart from
 * every other dataflow's (a module's isolation worker may open only its own
 * store's files). A store from before (`<dataDir>/state/<dataflow>.db` and its
 * WAL files) moves in on start, when nothing has it open.
 *
 * @module
 */
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../telemetry/mod.ts";

const STATE_FILE = "state.db";
// SQLite's WAL files sit beside the database; they move with it (before it, so a move cut
// short is finished by the next start).
const SIDECARS = ["-wal", "-shm"];

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The state file of dataflow `name`, its folder made and an old-place store moved in. */
export async function dataflowStatePath(
  dataDir: string,
  name: string,
  log: Logger,
): Promise<string> {
  const dir = join(dataDir, "state", name);
  const path = join(dir, STATE_FILE);
  await mkdir(dir, { recursive: true });
  const old = join(dataDir, "state", `${name}.db`);
  if (!(await exists(old))) return path;
  if (await exists(path)) {
    log.log("warn", "state store in the old place left as is; the new one is in use", {
      old,
      path,
    });
    return path;
  }
  for (const suffix of SIDECARS) {
    if (await exists(old + suffix)) await rename(old + suffix, path + suffix);
  }
  await rename(old, path);
  log.log("info", "state store moved to its dataflow's folder", { from: old, to: path });
  return path;
}
