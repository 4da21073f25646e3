/**
 * The fuzz targets, in one list the unit tests and the bench all walk. A new
 * target is a file here exporting a {@linkcode FuzzTarget} and one line in
 * `TARGETS`.
 *
 * @module
 */
import type { FuzzTarget } from "./_target.ts";
import { gatewayConfigTarget } from "./gateway_config.ts";
import { graphYamlTarget } from "./graph_yaml.ts";
import { hlcTsTarget } from "./hlc_ts.ts";
import { mqttGraphTarget } from "./mqtt_graph.ts";
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
  graphYamlTarget,
  gatewayConfigTarget,
  hlcTsTarget,
  mqttGraphTarget,
];

/** The targets whose names start with one of `prefixes` (all when none are given). */
export function targetsNamed(prefixes: readonly string[]): FuzzTarget[] {
  return TARGETS.filter((t) => prefixes.length === 0 || prefixes.some((p) => t.name.startsWith(p)));
}
