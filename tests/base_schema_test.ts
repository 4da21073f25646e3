import assert from "node:assert/strict";
import {
  checkYamlValue,
  formatPath,
  parseYaml,
  type SchemaFinding,
  SchemaValidator,
} from "../src/base/mod.ts";

const SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["name"],
  propertyNames: { pattern: "^[a-z]+$", title: "a lower-case key" },
  oneOf: [{ required: ["file"] }, { required: ["env"] }],
  dependencies: { watch: ["file"] },
  properties: {
    name: { type: "string", minLength: 1, pattern: "^[a-z]+$", title: "a lower-case name" },
    file: { type: "string" },
    env: { type: "string" },
    watch: { type: "boolean" },
    port: { type: "integer", minimum: 1, maximum: 65535, default: 8080 },
    level: { enum: ["info", "warn"], default: "info" },
    arm: { type: ["string", "null"], enum: ["True", "False", null] },
    kind: { const: "mqtt" },
    tags: { type: "array", minItems: 1, items: { type: "string" } },
    password: { "x-weir-forbidden": "inline passwords are not allowed" },
  },
};
const SCHEMA_CHECK = new SchemaValidator(SCHEMA);

/** The findings as lines, sorted: the engine promises all of them, the loaders their order. */
function lines(findings: readonly SchemaFinding[]): string[] {
  return findings.map((f) => `${formatPath(f.path)}: ${f.message} [${f.rule}]`).sort();
}

Deno.test("SchemaValidator.check() says every problem in Weir's words, rule by rule", () => {
  const value = {
    name: "",
    file: "a",
    env: "B",
    port: 70000,
    level: "loud",
    arm: 5,
    kind: "kafka",
    tags: [],
    password: "x",
    Nme: 1,
  };
  assert.deepEqual(
    lines(SCHEMA_CHECK.check(value)),
    [
      'Nme: found key "Nme", expected a lower-case key [key-pattern]',
      'Nme: found unknown field "Nme" (did you mean "name"?), expected "name", "file", "env", ' +
      '"watch", "port", "level", "arm", "kind" or "tags" [unknown-field]',
      'arm: found number 5, expected one of "True", "False" or null [enum]',
      'env: found "file" and "env" together, expected only one of them [one-of]',
      'kind: found string "kafka", expected "mqtt" [const]',
      'level: found string "loud", expected one of "info" or "warn" [enum]',
      'name: found string "", expected a non-empty string [min-length]',
      'password: found "password": inline passwords are not allowed [forbidden]',
      "port: found number 70000, expected at most 65535 [maximum]",
      "tags: found an empty list, expected a non-empty list [min-items]",
    ].sort(),
  );
});

Deno.test("SchemaValidator.check() reports missing fields, exclusive keys and dependencies", () => {
  assert.deepEqual(lines(SCHEMA_CHECK.check({ watch: true })), [
    '(root): missing required field "file" or "env" [required]',
    'name: missing required field "name" [required]',
    'watch: found "watch" without "file", expected both [dependency]',
  ]);
});

Deno.test("SchemaValidator.check() lets a wrong type speak alone, and fills in defaults", () => {
  // 5 is no list of strings, no object with keys: only the type is said.
  assert.deepEqual(lines(SCHEMA_CHECK.check(5)), [
    "(root): found number 5, expected a mapping [type]",
  ]);
  const value: Record<string, unknown> = { name: "a", env: "E" };
  assert.deepEqual(SCHEMA_CHECK.check(value), []);
  assert.deepEqual(value, { name: "a", env: "E", port: 8080, level: "info" });
});

Deno.test("SchemaValidator takes whole numbers only below 2^53, as Weir counts them", () => {
  for (const port of [1e300, 2 ** 60]) {
    assert.deepEqual(lines(SCHEMA_CHECK.check({ name: "a", env: "E", port })), [
      `port: found number ${port}, expected a whole number [type]`,
    ]);
  }
});

Deno.test("SchemaValidator refuses a schema with a keyword it would ignore", () => {
  const typo = new SchemaValidator({ type: "object", propertys: {} });
  assert.throws(() => typo.compile(), /unknown keyword/);
  assert.throws(() => typo.check({}), /unknown keyword/);
});

Deno.test("checkYamlValue() suggests quotes for an unquoted True where text was wanted", () => {
  const parsed = parseYaml("name: abc\nenv: E\narm: True\nfile: 1.0\n", "test");
  const findings = checkYamlValue(SCHEMA_CHECK, parsed, parsed.doc.toJS());
  assert.deepEqual(lines(findings), [
    'arm: found boolean true, expected one of "True", "False" or null ' +
    '(write it in quotes: "True") [enum]',
    'env: found "file" and "env" together, expected only one of them [one-of]',
    'file: found number 1, expected a string (write it in quotes: "1.0") [type]',
  ]);
});
