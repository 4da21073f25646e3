/**
 * What was deployed to each dataflow, on disk (`<dataDir>/deployments/<name>.json`),
 * so a restart serves the version the operator chose, with its rollback
 * target. A record belongs to one shape of the dataflow's configuration: when
 * the configuration file changes that dataflow, the file wins again.
 *
 * @module
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../base/mod.ts";
import type { DataflowConfig } from "../config/mod.ts";
import type { VersionSpec } from "./graph_runtime.ts";

/** The persisted deployment state of one dataflow. */
export interface DeploymentRecord {
  /** sha256 of the dataflow's configuration the record was made under. */
  readonly base: string;
  /** The next version id to hand out. */
  readonly nextId: number;
  readonly current?: VersionSpec;
  readonly previous?: VersionSpec;
  /** A watched tag. */
  readonly watch?: { readonly ref: string; readonly intervalSeconds: number };
}

/** A fingerprint of a dataflow's configuration. */
export function configFingerprint(config: DataflowConfig): string {
  return sha256Hex(JSON.stringify(config));
}

function fileOf(dataDir: string, name: string): string {
  return join(dataDir, "deployments", `${name}.json`);
}

/** The record, if one exists for this configuration; otherwise undefined. */
export async function readDeployment(
  dataDir: string,
  name: string,
  base: string,
): Promise<DeploymentRecord | undefined> {
  let text: string;
  try {
    text = await readFile(fileOf(dataDir, name), "utf8");
  } catch {
    return undefined;
  }
  try {
    const record = JSON.parse(text) as DeploymentRecord;
    return record.base === base ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the record atomically (temp file + rename). */
export async function writeDeployment(
  dataDir: string,
  name: string,
  record: DeploymentRecord,
): Promise<void> {
  const file = fileOf(dataDir, name);
  await mkdir(join(dataDir, "deployments"), { recursive: true });
  const temp = `${file}.${crypto.randomUUID()}.tmp`;
  await writeFile(temp, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
  await rename(temp, file);
}

/** Every saved record, by dataflow name (whatever configuration it was made under). */
export async function listDeployments(
  dataDir: string,
): Promise<Array<{ readonly dataflow: string; readonly record: DeploymentRecord }>> {
  let names: string[];
  try {
    names = await readdir(join(dataDir, "deployments"));
  } catch {
    return [];
  }
  const out: Array<{ dataflow: string; record: DeploymentRecord }> = [];
  for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
    try {
      const record = JSON.parse(await readFile(join(dataDir, "deployments", name), "utf8"));
      out.push({ dataflow: name.slice(0, -".json".length), record });
    } catch {
      // A file that does not parse is no deployment; a start ignores it too.
    }
  }
  return out;
}

/**
 * Drops a dataflow's saved deployment, so the next start serves its
 * configuration again. Returns the record it dropped, if there was one.
 */
export async function removeDeployment(
  dataDir: string,
  name: string,
): Promise<DeploymentRecord | undefined> {
  const file = fileOf(dataDir, name);
  let record: DeploymentRecord | undefined;
  try {
    record = JSON.parse(await readFile(file, "utf8"));
  } catch {
    record = undefined;
  }
  await rm(file, { force: true });
  return record;
}
