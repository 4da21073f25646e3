/**
 * The schemas of the API's request bodies and queries (`schemas/*.schema.json`),
 * compiled once. Configuration values follow the gateway configuration's own
 * schema, so the API takes what a configuration file takes.
 *
 * @module
 */
import deployBody from "./schemas/deploy.schema.json" with { type: "json" };
import configurationBody from "./schemas/configuration_body.schema.json" with { type: "json" };
import selectionBody from "./schemas/dead_letter_selection.schema.json" with { type: "json" };
import deadLetterQuery from "./schemas/dead_letter_query.schema.json" with { type: "json" };
import eventsQuery from "./schemas/events_query.schema.json" with { type: "json" };
import { SchemaValidator } from "../base/mod.ts";
import { CONFIGURATION_VALUES_SCHEMA } from "../gateway/mod.ts";

const refs = { "configuration.schema.json": CONFIGURATION_VALUES_SCHEMA };

/** `POST /api/dataflows/{name}/deploy`. */
export const DEPLOY_BODY: SchemaValidator = new SchemaValidator(deployBody, { refs });

/** `PUT /api/dataflows/{name}/configuration`. */
export const CONFIGURATION_BODY: SchemaValidator = new SchemaValidator(configurationBody, { refs });

/** `POST /api/dead-letters/replay` and `/purge`. */
export const SELECTION_BODY: SchemaValidator = new SchemaValidator(selectionBody);

/** The query of the dead-letter routes; text is taken for numbers, as queries need. */
export const DEAD_LETTER_QUERY: SchemaValidator = new SchemaValidator(deadLetterQuery, {
  coerceTypes: true,
});

/** The path parameter of `GET /api/dead-letters/{seq}`. */
export const SEQ_PARAMETER: SchemaValidator = new SchemaValidator({
  type: "object",
  properties: { seq: deadLetterQuery.definitions.Seq },
}, { coerceTypes: true });

/** The query of `GET /api/events`. */
export const EVENTS_QUERY: SchemaValidator = new SchemaValidator(eventsQuery, {
  coerceTypes: true,
});
