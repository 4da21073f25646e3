/**
 * The schema engine on YAML files: checks a document's plain value, and lets
 * the findings quote the file's text (`True` written where text was wanted).
 *
 * @module
 */
import { isScalar } from "yaml";
import type { SchemaValidator } from "./schema.ts";
import type { SchemaFinding } from "./schema_findings.ts";
import { nodeAt, type ParsedYaml } from "./yaml_text.ts";

/**
 * Checks the plain value of a parsed document (`doc.toJS()`) against a schema,
 * filling in its defaults in place; every finding at once.
 */
export function checkYamlValue(
  validator: SchemaValidator,
  parsed: ParsedYaml,
  value: unknown,
): SchemaFinding[] {
  return validator.check(value, {
    sourceOf: (path) => {
      const node = nodeAt(parsed.doc, path);
      return isScalar(node) ? node.source : undefined;
    },
  });
}
