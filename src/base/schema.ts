/**
 * The one schema engine: every file format and request body Weir reads has a
 * JSON Schema (draft-07), compiled once by Ajv in a {@linkcode SchemaValidator}
 * that reports every problem of a value as a {@linkcode SchemaFinding} in Weir's
 * wording (`schema_findings.ts`) and fills in the schema's defaults.
 *
 * @example
 * ```ts
 * import { SchemaValidator } from "./schema.ts";
 * const port = new SchemaValidator({ type: "integer", minimum: 1, maximum: 65535 });
 * port.check(70000)[0]?.message; // "found number 70000, expected at most 65535"
 * ```
 *
 * @module
 */
import { Ajv, type ValidateFunction } from "ajv";
import { findingsOf, type SchemaFinding, type SourceOf } from "./schema_findings.ts";

/** A JSON Schema document (draft-07), as parsed from its `.json` file. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** Options for {@linkcode SchemaValidator}. */
export interface SchemaValidatorOptions {
  /**
   * Schemas the root refers to with `$ref`, by the reference as written (such
   * as `"../connectors/mqtt/endpoint.schema.json"`). @default {}
   */
  readonly refs?: Readonly<Record<string, JsonSchema>>;
  /**
   * Take text where a number or a boolean is wanted, as query strings need
   * (`"10"` counts as 10). @default false
   */
  readonly coerceTypes?: boolean;
}

/** Options for {@linkcode SchemaValidator.check}. */
export interface CheckOptions {
  /**
   * The source text of the scalar at a path, when the value came from a file
   * where quoting matters (YAML): it turns `found boolean true` into a hint to
   * write `"True"` in quotes where text was wanted.
   */
  readonly sourceOf?: SourceOf;
}

/**
 * Weir's keywords besides draft-07's. `x-weir-forbidden` refuses a key that
 * must not be given and says why; `x-weir-rule` names the rule of every finding
 * at its schema node; `x-weir-safe-integer` is added by the engine itself
 * next to every `integer` type (see {@linkcode safeIntegers}).
 */
function addWeirKeywords(ajv: Ajv): void {
  ajv.addKeyword({ keyword: "x-weir-forbidden", schemaType: "string", validate: () => false });
  ajv.addKeyword({ keyword: "x-weir-rule", schemaType: "string" });
  ajv.addKeyword({
    keyword: "x-weir-safe-integer",
    schemaType: "boolean",
    validate: (_: boolean, data: unknown) => typeof data !== "number" || Number.isSafeInteger(data),
  });
}

/**
 * JSON Schema's `integer` takes 1e300 and 2^60, which JavaScript does not count
 * exactly; a whole number in a Weir file stays below 2^53. A copy of the schema
 * where every node whose `type` names `integer` also says so, for Ajv to check.
 */
function safeIntegers(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema), (_key, value: unknown) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    const type = (value as { type?: unknown }).type;
    const names = typeof type === "string" ? [type] : Array.isArray(type) ? type : [];
    return names.includes("integer") ? { ...value, "x-weir-safe-integer": true } : value;
  });
}

/**
 * A schema compiled once, on first use (a command that reads no configuration
 * does not pay for compiling it); checks values against it, every problem at once.
 */
export class SchemaValidator {
  readonly #schema: JsonSchema;
  readonly #options: SchemaValidatorOptions;
  #validate: ValidateFunction | undefined;

  /** Keeps the schema (and the ones it refers to) for {@linkcode SchemaValidator.compile}. */
  constructor(schema: JsonSchema, options: SchemaValidatorOptions = {}) {
    this.#schema = schema;
    this.#options = options;
  }

  /**
   * Compiles the schema, once; {@linkcode SchemaValidator.check} does so on first use.
   *
   * @throws {Error} when the schema is not valid draft-07 or uses a keyword Ajv and Weir do not know.
   */
  compile(): ValidateFunction {
    if (this.#validate !== undefined) return this.#validate;
    const options = this.#options;
    const ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: true,
      // `oneOf: [{required: [a]}, {required: [b]}]` names keys the branches do not declare.
      strictRequired: false,
      allowUnionTypes: true,
      useDefaults: true,
      coerceTypes: options.coerceTypes ?? false,
    });
    addWeirKeywords(ajv);
    for (const [ref, referred] of Object.entries(options.refs ?? {})) {
      ajv.addSchema(safeIntegers(referred), ref);
    }
    return this.#validate = ajv.compile(safeIntegers(this.#schema));
  }

  /**
   * Checks a value, filling in the schema's defaults in place where a key with
   * one is missing, and returns every finding (none when the value is valid).
   */
  check(value: unknown, options: CheckOptions = {}): SchemaFinding[] {
    const validate = this.compile();
    if (validate(value)) return [];
    return findingsOf(validate.errors ?? [], value, options.sourceOf);
  }
}
