/**
 * A lenient reading of a graph that may have structural problems, so the
 * graph rules can still run and every issue of a file is reported at once.
 * A field counts as unknown (`undefined`) when it is missing or when a
 * structural finding covers it (or, for an optional field, may be hiding
 * behind a misspelled key); rules skip what they cannot judge, which
 * keeps one typo from cascading into a dozen follow-on issues.
 *
 * @module
 */
import type { Finding } from "./issue.ts";
import { type BranchArm, OPERATION_TYPES, type OperationType } from "./types.ts";
import { startsWith, type YamlPath } from "../base/mod.ts";

/** An operation as far as it could be read. */
export interface DraftOperation {
  readonly index: number;
  readonly name: string | undefined;
  readonly type: OperationType | undefined;
  /** `null` when absent or empty; `undefined` when malformed. */
  readonly module: string | null | undefined;
}

/** A connection as far as it could be read. */
export interface DraftConnection {
  readonly index: number;
  readonly from: string | undefined;
  readonly to: string | undefined;
  /** `null` when absent; `undefined` when malformed. */
  readonly arm: BranchArm | null | undefined;
  /** `null` when absent; `undefined` when malformed. */
  readonly schemaName: string | null | undefined;
}

/** A list entry that is referenced by name (a configuration or a schema). */
export interface DraftNamed {
  readonly index: number;
  readonly name: string | undefined;
}

/** The graph as far as it could be read. */
export interface Draft {
  readonly operations: readonly DraftOperation[];
  /** The list is well formed and every operation has a known name. */
  readonly namesComplete: boolean;
  /** The list is well formed and every operation has a known name and type. */
  readonly operationsComplete: boolean;
  readonly connections: readonly DraftConnection[];
  /** The list is well formed and every connection has known ends. */
  readonly connectionsComplete: boolean;
  readonly configurations: readonly DraftNamed[];
  /** `undefined` when the `schemas` list itself is malformed. */
  readonly schemas: readonly DraftNamed[] | undefined;
}

/** Reads a draft from the plain value of the document, trusting nothing a finding covers. */
export function readDraft(root: unknown, findings: readonly Finding[]): Draft {
  // A field counts as unknown when a finding covers it, and an optional field also when its
  // mapping has an unknown field: `modul: x` may well be the missing `module`.
  const covered = (path: YamlPath): boolean => findings.some((f) => startsWith(path, f.path));
  const doubtful = (path: YamlPath): boolean =>
    covered(path) ||
    findings.some((f) =>
      f.rule === "unknown-field" && f.path.length === path.length &&
      startsWith(f.path, path.slice(0, -1))
    );
  const read = (path: YamlPath): unknown => covered(path) ? undefined : valueAt(root, path);
  const string = (path: YamlPath): string | undefined => {
    const value = read(path);
    return typeof value === "string" ? value : undefined;
  };
  /** Absent or null lists are empty; `undefined` means malformed. */
  const list = (key: string): unknown[] | undefined => {
    if (covered([key])) return undefined;
    const value = valueAt(root, [key]);
    return value === null || value === undefined ? [] : Array.isArray(value) ? value : undefined;
  };

  const operationList = list("operations");
  const operations = (operationList ?? []).map((_, index): DraftOperation => {
    const path = ["operations", index];
    const type = string([...path, "operationType"]);
    const module = read([...path, "module"]);
    const malformed = doubtful([...path, "module"]);
    return {
      index,
      name: string([...path, "name"]),
      type: OPERATION_TYPES.find((t) => t === type),
      module: malformed ? undefined : typeof module === "string" && module !== "" ? module : null,
    };
  });

  const connectionList = list("connections");
  const connections = (connectionList ?? []).map((_, index): DraftConnection => {
    const path = ["connections", index];
    const arm = read([...path, "from", "arm"]);
    const schemaName = read([...path, "from", "schemaName"]);
    return {
      index,
      from: string([...path, "from", "name"]),
      to: string([...path, "to", "name"]),
      arm: doubtful([...path, "from", "arm"])
        ? undefined
        : arm === "True" || arm === "False"
        ? arm
        : null,
      schemaName: doubtful([...path, "from", "schemaName"])
        ? undefined
        : typeof schemaName === "string"
        ? schemaName
        : null,
    };
  });

  const named = (key: string) => (_: unknown, index: number): DraftNamed => ({
    index,
    name: string([key, index, "name"]),
  });
  return {
    operations,
    namesComplete: operationList !== undefined && operations.every((op) => op.name !== undefined),
    operationsComplete: operationList !== undefined &&
      operations.every((op) => op.name !== undefined && op.type !== undefined),
    connections,
    connectionsComplete: connectionList !== undefined &&
      connections.every((c) => c.from !== undefined && c.to !== undefined),
    configurations: (list("moduleConfigurations") ?? []).map(named("moduleConfigurations")),
    schemas: list("schemas")?.map(named("schemas")),
  };
}

/** The plain value at a path, or `undefined` when the path does not exist. */
export function valueAt(root: unknown, path: YamlPath): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    if (!Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}
