/**
 * The in-memory model of an AIO graph definition, after loading and validation.
 * Both the 1.0.0 schema and the older preview shape load into this one model.
 *
 * @module
 */

/** The operation kinds a graph may use (docs/aio-compatibility.md). */
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
  /** The `name` field; the module may see either string (docs/aio-compatibility.md, "Graph files"). */
  readonly name: string;
  /** What the parameter is for, if the graph says. */
  readonly description: string | null;
  /** True when deployment must supply a value (or a default exists); default false. */
  readonly required: boolean;
  /** The value used when none is supplied (never set in the preview shape). */
  readonly default: string | null;
}

/** The parameters declared for one operation. */
export interface ModuleConfiguration {
  /** Must equal an operation's name. */
  readonly name: string;
  /** The declared parameters, in file order. */
  readonly parameters: readonly ConfigParameter[];
}

/** A feature a graph asks the runtime for, such as `wasi-nn`. */
export interface Feature {
  /** The feature's name, e.g. `wasi-nn`. */
  readonly name: string;
  /** An optional setting for it. */
  readonly value: string | null;
}

/** A schema listed in the graph. */
export interface GraphSchema {
  /** What connections use in `schemaName`. */
  readonly name: string;
  /** The schema language, e.g. `json`. */
  readonly format: string;
  /** The schema text. */
  readonly schema: string;
}

/** The graph's metadata block; absent in the preview shape. */
export interface GraphMetadata {
  /** `$schema`: the URL of the graph schema (not a payload schema). */
  readonly schemaUrl: string;
  /** The graph's display name. */
  readonly name: string;
  /** The graph's own version, e.g. `1.0.0`. */
  readonly version: string;
  /** A description, if given. */
  readonly description: string | null;
  /** Who publishes the graph, if given. */
  readonly vendor: string | null;
}

/** A loaded, validated graph definition. */
export interface GraphDefinition {
  /** Where it came from (a path or a label), used in messages. */
  readonly source: string;
  /** Which shape the file used. */
  readonly shape: "1.0.0" | "preview";
  /** The metadata block, or null when the file has none (always so in the preview shape). */
  readonly metadata: GraphMetadata | null;
  /** The operator API version the modules need, e.g. `1.1.0`. */
  readonly apiVersion: string;
  /** `runtimeVersion`, or `hostlibVersion` in the preview shape. */
  readonly runtimeVersion: string;
  /** Runtime features the modules need; empty when none. */
  readonly features: readonly Feature[];
  /** Declared parameters per operation; empty when none. */
  readonly moduleConfigurations: readonly ModuleConfiguration[];
  /** The nodes, in file order. */
  readonly operations: readonly Operation[];
  /** The edges, in file order. */
  readonly connections: readonly Connection[];
  /** Schemas that connections may name; empty when none. */
  readonly schemas: readonly GraphSchema[];
}
