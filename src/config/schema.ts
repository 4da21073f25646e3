/**
 * The gateway configuration schema (`gateway.schema.json`, also shipped for
 * editors) and its compilation. The schema of each endpoint kind lives with
 * its connector (`src/connectors/<kind>/endpoint.schema.json`); this file
 * refers to them by relative path, which editors follow on disk, and whoever
 * composes the gateway hands them in, since the configuration layer does not
 * import connectors.
 *
 * @module
 */
import schemaJson from "./gateway.schema.json" with { type: "json" };
import { type JsonSchema, SchemaValidator } from "../base/mod.ts";

/** The gateway configuration schema, as loaded from `gateway.schema.json`. */
export const CONFIG_SCHEMA: JsonSchema = schemaJson;

/** The schema of one endpoint kind: a connector's `kind` and `schema`. */
export interface EndpointSchema {
  /** The value of an endpoint's `kind` that picks this schema. */
  readonly kind: string;
  /** The endpoint's shape and defaults; a connector without endpoints has none. */
  readonly schema?: JsonSchema;
}

/** The reference by which `gateway.schema.json` names the endpoint schema of a kind. */
export function endpointSchemaRef(kind: string): string {
  return `../connectors/${kind}/endpoint.schema.json`;
}

/**
 * Compiles the configuration schema with the endpoint schemas it refers to.
 *
 * @throws {Error} when the schema refers to an endpoint kind none of them gives.
 */
export function configValidator(endpoints: readonly EndpointSchema[]): SchemaValidator {
  const refs: Record<string, JsonSchema> = {};
  for (const { kind, schema } of endpoints) {
    if (schema !== undefined) refs[endpointSchemaRef(kind)] = schema;
  }
  return new SchemaValidator(CONFIG_SCHEMA, { refs });
}
