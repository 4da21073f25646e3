/**
 * A connector's endpoint settings checked against its own endpoint schema
 * (`<kind>/endpoint.schema.json`, the one the gateway configuration refers
 * to), with the schema's defaults filled in: the connector takes the
 * loaded configuration or a literal, and never repeats what the schema says.
 *
 * @module
 */
import { formatPath, type SchemaFinding, type SchemaValidator } from "../base/mod.ts";
import { ConnectorError } from "./errors.ts";

/** One problem of an endpoint, as its connector says it: `path: found …, expected …`. */
export function endpointProblem(finding: SchemaFinding): string {
  return `${formatPath(finding.path)}: ${finding.message}`;
}

/**
 * A copy of `raw` checked against the endpoint schema, defaults filled in.
 * `rules` adds what a schema cannot say, judged on that copy.
 *
 * @param owner Names the endpoint in the error, e.g. `MQTT endpoint "plant"`.
 * @throws {ConnectorError} code `connector_config` listing every problem.
 */
export function checkedEndpoint(
  owner: string,
  schema: SchemaValidator,
  raw: object,
  rules: (value: Record<string, unknown>) => readonly string[] = () => [],
): Record<string, unknown> {
  const value = structuredClone(raw) as Record<string, unknown>;
  const problems = [...schema.check(value).map(endpointProblem), ...rules(value)];
  if (problems.length > 0) {
    throw new ConnectorError("connector_config", `${owner} is unusable: ${problems.join("; ")}`);
  }
  return value;
}
