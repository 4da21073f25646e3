/**
 * Turns the plain value of a graph file that passed every check into the
 * {@linkcode GraphDefinition} model, normalising the two shapes: the preview
 * `hostlibVersion` becomes `runtimeVersion`, absent lists become empty, and
 * an empty module becomes `null`.
 *
 * @module
 */
import type {
  BranchArm,
  ConfigParameter,
  GraphDefinition,
  GraphMetadata,
  OperationType,
} from "./types.ts";

/** The file as the schema describes it; only valid after the structural check. */
interface RawGraph {
  metadata?: {
    $schema: string;
    name: string;
    version: string;
    description?: string | null;
    vendor?: string | null;
  };
  moduleRequirements: {
    apiVersion: string;
    runtimeVersion?: string;
    hostlibVersion?: string;
    features?: Array<{ name: string; value?: string | null }> | null;
  };
  moduleConfigurations?: Array<{ name: string; parameters: Record<string, RawParameter> }> | null;
  operations: Array<{ operationType: OperationType; name: string; module?: string | null }>;
  connections: Array<{
    from: { name: string; arm?: BranchArm | null; schemaName?: string | null };
    to: { name: string };
  }>;
  schemas?: Array<{ name: string; format: string; schema: string }> | null;
}

interface RawParameter {
  name: string;
  description?: string | null;
  required?: boolean;
  default?: string | null;
}

/**
 * Builds the model from a value that has no findings. The shape is
 * "preview" when the file uses `hostlibVersion`, else "1.0.0"; `metadata` is
 * optional in both (the 1.0.0 schema requires it, but nothing depends on it).
 */
export function buildGraph(value: unknown, source: string): GraphDefinition {
  const raw = value as RawGraph;
  const requirements = raw.moduleRequirements;
  const preview = requirements.runtimeVersion === undefined;
  return {
    source,
    shape: preview ? "preview" : "1.0.0",
    metadata: raw.metadata === undefined ? null : metadata(raw.metadata),
    apiVersion: requirements.apiVersion,
    runtimeVersion: requirements.runtimeVersion ?? requirements.hostlibVersion ?? "",
    features: (requirements.features ?? []).map((f) => ({ name: f.name, value: f.value ?? null })),
    moduleConfigurations: (raw.moduleConfigurations ?? []).map((config) => ({
      name: config.name,
      parameters: Object.entries(config.parameters).map(([key, p]): ConfigParameter => ({
        key,
        name: p.name,
        description: p.description ?? null,
        required: p.required ?? false,
        default: p.default ?? null,
      })),
    })),
    operations: raw.operations.map((op) => ({
      name: op.name,
      operationType: op.operationType,
      module: op.module === undefined || op.module === "" ? null : op.module,
    })),
    connections: raw.connections.map((c) => ({
      from: c.from.name,
      arm: c.from.arm ?? null,
      schemaName: c.from.schemaName ?? null,
      to: c.to.name,
    })),
    schemas: (raw.schemas ?? []).map((s) => ({ name: s.name, format: s.format, schema: s.schema })),
  };
}

function metadata(raw: NonNullable<RawGraph["metadata"]>): GraphMetadata {
  return {
    schemaUrl: raw.$schema,
    name: raw.name,
    version: raw.version,
    description: raw.description ?? null,
    vendor: raw.vendor ?? null,
  };
}
