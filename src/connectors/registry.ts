/**
 * The connector registry (ekuiper/redpanda style): built from an explicit
 * list of definitions, refusing two with the same kind, answering by kind.
 *
 * @module
 */
import type { ConnectorDefinition } from "./contract.ts";
import { ConnectorError } from "./errors.ts";

/** Connector definitions by kind. */
export class ConnectorRegistry {
  readonly #byKind = new Map<string, ConnectorDefinition>();

  /**
   * Registers every definition.
   *
   * @throws {ConnectorError} code `connector_duplicate` when two share a kind.
   */
  constructor(definitions: readonly ConnectorDefinition[]) {
    for (const definition of definitions) {
      if (!/^[a-z][a-z0-9_]*$/.test(definition.kind)) {
        throw new TypeError(`Connector kind "${definition.kind}" is not lowercase snake case`);
      }
      if (this.#byKind.has(definition.kind)) {
        throw new ConnectorError(
          "connector_duplicate",
          `Connector kind "${definition.kind}" is registered twice`,
        );
      }
      this.#byKind.set(definition.kind, definition);
    }
  }

  /**
   * The definition of a kind.
   *
   * @throws {ConnectorError} code `connector_unknown`, naming the known kinds.
   */
  get(kind: string): ConnectorDefinition {
    const definition = this.#byKind.get(kind);
    if (definition === undefined) {
      const known = [...this.#byKind.keys()].map((k) => `"${k}"`).join(", ") || "none";
      throw new ConnectorError(
        "connector_unknown",
        `Unknown connector kind "${kind}" (known: ${known})`,
      );
    }
    return definition;
  }

  /** True when the kind is registered. */
  has(kind: string): boolean {
    return this.#byKind.has(kind);
  }

  /** Every definition, in registration order. */
  list(): ConnectorDefinition[] {
    return [...this.#byKind.values()];
  }
}
