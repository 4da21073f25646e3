/**
 * The in-memory model of an AIO graph definition, after loading and validation.
 * Both the 1.0.0 schema and the older preview shape load into this one model.
 *
 * @module
 */

/** The operation kinds a graph may use (aio-compat §C.1). */
export const OPERATION_TYPES = [
  "source",
  "map",
  "filter",
  "branch",
  "concatenate",
  "accumulate",
  "delay",
  "sink",
] as const;

/** One operation kind. */
export type OperationType = typeof OPERATION_TYPES[number];

/** The two outputs of a branch: "False" is the first arm, "True" the second. */
export type BranchArm = "True" | "False";

/** A node of the graph. */
export interface Operation {
  /** The unique name; also the key for module configuration, logs and metrics. */
  readonly name: string;
  /** What the node does. */
  readonly operationType: OperationType;
  /** `[repo/path/]name:tag`, or null for source, sink and concatenate. */
  readonly module: string | null;
}

/** An edge of the graph. */
export interface Connection {
  /** The operation the records leave. */
  readonly from: string;
  /** Set only on edges that leave a branch. */
  readonly arm: BranchArm | null;
  /** A schema named in the graph's `schemas` list, if any. */
  readonly schemaName: string | null;
  /** The operation the records enter. */
  readonly to: string;
}

/** One declared parameter of an operation's module configuration. */
export interface ConfigParameter {
  /** The map key under `parameters`. */
  readonly key: string;
  /** The `name` field; the module may see either string (aio-compat §C.2). */
  readonly name: string;
  readonly description: string | null;
  readonly required: boolean;
  readonly default: string | null;
}

/** The parameters declared for one operation. */
export interface ModuleConfiguration {
  /** Must equal an operation's name. */
  readonly name: string;
  readonly parameters: readonly ConfigParameter[];
}

/** A feature a graph asks the runtime for, such as `wasi-nn`. */
export interface Feature {
  readonly name: string;
  readonly value: string | null;
}

/** A schema listed in the graph. */
export interface GraphSchema {
  readonly name: string;
  readonly format: string;
  readonly schema: string;
}

/** The graph's metadata block; absent in the preview shape. */
export interface GraphMetadata {
  readonly schemaUrl: string;
  readonly name: string;
  readonly version: string;
  readonly description: string | null;
  readonly vendor: string | null;
}

/** A loaded, validated graph definition. */
export interface GraphDefinition {
  /** Where it came from (a path or a label), used in messages. */
  readonly source: string;
  /** Which shape the file used. */
  readonly shape: "1.0.0" | "preview";
  readonly metadata: GraphMetadata | null;
  readonly apiVersion: string;
  /** `runtimeVersion`, or `hostlibVersion` in the preview shape. */
  readonly runtimeVersion: string;
  readonly features: readonly Feature[];
  readonly moduleConfigurations: readonly ModuleConfiguration[];
  readonly operations: readonly Operation[];
  readonly connections: readonly Connection[];
  readonly schemas: readonly GraphSchema[];
}
