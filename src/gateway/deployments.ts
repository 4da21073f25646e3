/**
 * What was deployed to each dataflow, on disk (`<dataDir>/deployments/<name>.json`),
 * so a restart serves the version the operator chose, with its rollback
 * target. A record belongs to one shape of the dataflow's configuration: when
 * the configuration file changes that dataflow, the file wins again.
 *
 * @module
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
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
