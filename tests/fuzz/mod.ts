/**
 * The fuzz targets, in one list the unit test and the bench both walk. A new
 * target (graph YAML, gateway configuration, `__ts`, MQTT payloads) is a file
 * here exporting a {@linkcode FuzzTarget} and one line in `TARGETS`.
 *
 * @module
 */
import type { FuzzTarget } from "./_target.ts";
import { ociBundleTarget } from "./oci_bundle.ts";
import { ociIndexTarget } from "./oci_index.ts";
import { ociManifestTarget } from "./oci_manifest.ts";

export { type FuzzOptions, type FuzzReport, fuzzTarget } from "./_runner.ts";
export { type CaseOutcome, expectClearError, type FuzzTarget, runCase } from "./_target.ts";

/** Every target, by name. */
export const TARGETS: readonly FuzzTarget[] = [
  ociManifestTarget,
  ociIndexTarget,
  ociBundleTarget,
];

/** The targets whose names start with one of `prefixes` (all when none are given). */
export function targetsNamed(prefixes: readonly string[]): FuzzTarget[] {
  return TARGETS.filter((t) => prefixes.length === 0 || prefixes.some((p) => t.name.startsWith(p)));
}
