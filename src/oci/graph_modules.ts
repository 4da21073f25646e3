/**
 * The modules a graph names, and where to look for each. Module references
 * in AIO graphs are relative to the registry the graph came from
 * (docs/aio-compatibility.md, "Packaging"), whose host may carry a path prefix; AIO has resolved
 * them both against the prefix and against the bare host over time, so Weir
 * tries both, prefix first, with the same credentials.
 *
 * @module
 */
import { parseYaml } from "../base/mod.ts";
import { OciError } from "./errors.ts";
import { type OciReference, parseReference } from "./reference.ts";
import { type RegistryConfig, splitHost } from "./registry_config.ts";

/**
 * The distinct `module:` references of a graph's operations, in order.
 *
 * @throws {OciError} `bad_artifact` when the text is not YAML.
 */
export function moduleRefsOf(yamlText: string, graphRef: string): string[] {
  const parsed = parseYaml(yamlText, "graph definition");
  if (parsed.syntax.length > 0) {
    throw new OciError(
      "bad_artifact",
      `The graph "${graphRef}" is not valid YAML: ${parsed.syntax[0]!.finding.message}`,
    );
  }
  const root = parsed.doc.toJS({ maxAliasCount: 100 }) as { operations?: unknown } | null;
  const operations = Array.isArray(root?.operations) ? root.operations : [];
  const refs: string[] = [];
  for (const operation of operations) {
    const module = (operation as { module?: unknown } | null)?.module;
    if (typeof module === "string" && module.trim() !== "" && !refs.includes(module)) {
      refs.push(module);
    }
  }
  return refs;
}

/**
 * Where to look for a module the graph `graph` names as `written`, best
 * first: the written reference as is when it names a registry host; else
 * `<configured host with prefix>/<written>`, `<host>/<the graph's repository
 * folder>/<written>`, then `<host>/<written>`.
 */
export function moduleCandidates(
  written: string,
  graph: OciReference,
  registry: RegistryConfig | undefined,
): OciReference[] {
  const parsed = parseReference(written);
  if (parsed.registry !== "") return [parsed];
  const prefixes: string[] = [];
  const configured = registry === undefined ? undefined : splitHost(registry.host);
  if (
    configured !== undefined && configured.registry === graph.registry && configured.prefix !== ""
  ) {
    prefixes.push(configured.prefix);
  }
  const folder = graph.repository.includes("/")
    ? graph.repository.slice(0, graph.repository.lastIndexOf("/"))
    : "";
  if (folder !== "") prefixes.push(folder);
  return underPrefixes(parsed, graph.registry, prefixes);
}

/**
 * A reference without a registry placed on `registry` under each prefix in
 * turn, then under none; duplicates dropped.
 */
export function underPrefixes(
  parsed: OciReference,
  registry: string,
  prefixes: readonly string[],
): OciReference[] {
  const seen = new Set<string>();
  const candidates: OciReference[] = [];
  for (const prefix of [...prefixes, ""]) {
    const repository = prefix === "" ? parsed.repository : `${prefix}/${parsed.repository}`;
    if (seen.has(repository)) continue;
    seen.add(repository);
    candidates.push({ ...parsed, registry, repository });
  }
  return candidates;
}
