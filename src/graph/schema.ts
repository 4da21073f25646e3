/**
 * The graph schema (`aio_graph.schema.json`, also shipped for editors),
 * compiled once: structural findings come from the schema file itself.
 *
 * @module
 */
import schemaJson from "./aio_graph.schema.json" with { type: "json" };
import { type JsonSchema, SchemaValidator } from "../base/mod.ts";

/** The graph definition schema, as loaded from `aio_graph.schema.json`. */
export const GRAPH_SCHEMA: JsonSchema = schemaJson;

/** The graph schema, compiled. */
export const GRAPH_VALIDATOR: SchemaValidator = new SchemaValidator(GRAPH_SCHEMA);
