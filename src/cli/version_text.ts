/**
 * How the command line names a graph version and where it came from, in
 * `weir status`, `weir start`'s banner and `weir deployments`.
 *
 * @module
 */
import type { GraphVersion, VersionOrigin } from "../gateway/mod.ts";

/** Where a version came from: its OCI reference, uploaded YAML, or the configuration's file. */
export function versionOrigin(
  version: { readonly origin: VersionOrigin; readonly ref?: string | undefined },
): string {
  return version.origin === "oci"
    ? version.ref ?? "a registry"
    : version.origin === "upload"
    ? "uploaded YAML"
    : "the configuration's graph file";
}

/** `v2 "Temperature conversion" (uploaded YAML)`. */
export function describeVersion(v: GraphVersion | undefined): string {
  if (v === undefined) return "no graph (a plain bridge)";
  return `v${v.id} "${v.graphName}" (${versionOrigin(v)})`;
}
