/**
 * Graph references as a deploy takes them: parsed by the OCI parser, and
 * naming their registry, since a deploy says where the graph comes from.
 *
 * @module
 */
import { parseReference } from "../oci/mod.ts";

/** Why a graph reference cannot be deployed as written; undefined when it can. */
export function graphReferenceProblem(text: string): string | undefined {
  try {
    return parseReference(text).registry === "" ? "it names no registry host" : undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
