/**
 * Runs AIO's own sample test cases (`tests/*\/*.test.yaml` in the samples
 * folder) through Weir's offline runner, with the sample graphs unchanged and
 * our modules. A case whose modules are not built here is skipped with the
 * names of the missing modules; cases are discovered, not listed.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { hlc, type Message } from "../src/base/mod.ts";
import { collectingSideOutputs, type Rec } from "../src/engine/mod.ts";
import { moduleName, runOffline } from "../src/gateway/mod.ts";
import { loadGraphFile } from "../src/graph/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { MODULES_DIR } from "./_modules.ts";
import { samplePath, SAMPLES_PRESENT, SAMPLES_SKIP_NOTE } from "./_samples.ts";

interface Case {
  name: string;
  graph: string;
  input: string;
  expected: string;
  select?: string[];
  ignores?: string[];
}

const enc = new TextEncoder();
const DEVX_DESTINATION = "sensors";
const dec = new TextDecoder();

function cases(): Array<{ file: string; spec: Case }> {
  if (!SAMPLES_PRESENT) return [];
  const dir = samplePath("tests");
  return readdirSync(dir).sort().flatMap((d) => {
    const folder = join(dir, d);
    if (!statSync(folder).isDirectory()) return [];
    return readdirSync(folder).filter((f) => f.endsWith(".test.yaml")).map((f) => {
      const file = join(folder, f);
      return { file, spec: parseYaml(readFileSync(file, "utf8")) as Case };
    });
  });
}

/** Input files become messages: JSON minified on topic probe/1, raw images on snapshot_simulation. */
function inputs(dir: string): Rec[] {
  return readdirSync(dir).sort().map((f, i) => {
    const bytes = readFileSync(join(dir, f));
    const json = f.endsWith(".json");
    const time = hlc(1_758_255_553_000, i, "aio");
    const data: Message = {
      kind: "message",
      timestamp: { secs: 1_758_255_553, nanos: 0, counter: i, node: "aio" },
      topic: enc.encode(json ? "probe/1" : "snapshot_simulation"),
      contentType: json ? "application/json" : null,
      payload: json
        ? enc.encode(JSON.stringify(JSON.parse(dec.decode(bytes))))
        : new Uint8Array(bytes),
      userProperties: [],
      schema: null,
    };
    return { time, data };
  });
}

function drop(value: unknown, path: string[]): void {
  if (path.length === 0 || typeof value !== "object" || value === null) return;
  const [head, ...rest] = path;
  if (rest.length === 0) delete (value as Record<string, unknown>)[head!];
  else drop((value as Record<string, unknown>)[head!], rest);
}

/** The fields a case compares, in AIO's test-runner shape. */
function view(m: Message, select: string[], ignores: string[]): Record<string, unknown> {
  const text = dec.decode(m.payload);
  let payload: unknown = text;
  try {
    payload = JSON.parse(text);
  } catch { /* compared as text */ }
  const full: Record<string, unknown> = {
    // AIO's local runner publishes every output to its destination topic "sensors" ;
    // the offline runner has no destination, so the case compares against that topic.
    topic: DEVX_DESTINATION,
    payload,
    properties: { "user-properties": Object.fromEntries(m.userProperties) },
  };
  for (const i of ignores) drop(full, i.split("."));
  const out: Record<string, unknown> = {};
  for (const s of select) {
    const [head, ...rest] = s.split(".");
    if (rest.length === 0) out[head!] = full[head!];
    else if (head === "properties") {
      const key = rest.slice(1).join(".");
      const props = (full.properties as Record<string, Record<string, string>>)["user-properties"]!;
      out[s] = props[key];
    }
  }
  return out;
}

function expectedView(
  raw: Record<string, unknown>,
  select: string[],
  ignores: string[],
): Record<string, unknown> {
  const m: Message = {
    kind: "message",
    timestamp: { secs: 0, nanos: 0, counter: 0, node: "" },
    topic: enc.encode(String(raw.topic ?? DEVX_DESTINATION)),
    contentType: null,
    payload: enc.encode(String(raw.payload ?? "")),
    userProperties: Object.entries(
      ((raw.properties as Record<string, Record<string, string>> | undefined)
        ?.["user-properties"]) ?? {},
    ),
    schema: null,
  };
  return view(m, select, ignores);
}

for (const { file, spec } of cases()) {
  const base = dirname(file);
  const graphFile = resolve(base, spec.graph);
  const graphText = readFileSync(graphFile, "utf8");
  const needed = [...graphText.matchAll(/module:[ \t]*"?([^"\s]+)"?/g)].map((m) =>
    moduleName(m[1]!)
  );
  const missing = [...new Set(needed)].filter((n) => !existsSync(join(MODULES_DIR, `${n}.wasm`)));
  const inputDir = resolve(base, spec.input);
  Deno.test({
    name: `AIO sample case ${spec.name}` +
      (missing.length > 0 ? ` (skipped: modules not built here: ${missing.join(", ")})` : ""),
    ignore: missing.length > 0 || !existsSync(inputDir),
    fn: async () => {
      const graph = await loadGraphFile(graphFile);
      const statePath = join(dirname(graphFile), "statestore.json");
      const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, "utf8")) : [];
      // AIO's local host reads the schema file named by TK_SCHEMA_CONFIG_PATH in hostapp.env.list.
      const envList = join(dirname(graphFile), "hostapp.env.list");
      const schemaFile = existsSync(envList)
        ? /TK_SCHEMA_CONFIG_PATH=(\S+)/.exec(readFileSync(envList, "utf8"))?.[1]
        : undefined;
      const schemas = schemaFile
        ? [{
          name: schemaFile.replace(/\.[^.]*$/, ""),
          contentType: "application/schema+json",
          content: readFileSync(join(dirname(graphFile), schemaFile), "utf8"),
        }]
        : [];
      const out: Message[] = [];
      const side = collectingSideOutputs();
      await runOffline({
        graph,
        modulesDir: MODULES_DIR,
        config: new Map(),
        state,
        schemas,
        log: jsonLogger({ write: () => {}, level: "error" }),
        onOutput: (r) => out.push(r.data as Message),
        side,
      }, inputs(inputDir));
      const expected = JSON.parse(readFileSync(resolve(base, spec.expected), "utf8"));
      const select = spec.select ?? ["payload"];
      const ignores = spec.ignores ?? [];
      const deadLetters = `dead letters: ${
        JSON.stringify(side.deadLetters.map((d) => `${d.operation}: ${d.reason}`))
      }`;
      // A mismatch says what the operators refused, so a failure in CI explains itself.
      const withDeadLetters = (check: () => void) => {
        try {
          check();
        } catch (error) {
          if (error instanceof Error) error.message += `\n${deadLetters}`;
          throw error;
        }
      };
      if (Array.isArray(expected)) {
        withDeadLetters(() =>
          assert.deepEqual(
            out.map((m) => view(m, select, ignores)),
            expected.map((e) => expectedView(e, select, ignores)),
          )
        );
      } else {
        assert.ok(out.length > 0, `no output; ${deadLetters}`);
        withDeadLetters(() =>
          assert.deepEqual(
            view(out.at(-1)!, select, ignores),
            expectedView(expected, select, ignores),
          )
        );
      }
    },
  });
}

Deno.test({
  name: "AIO sample cases are discovered" + SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT,
  fn: () => {
    assert.ok(cases().length >= 10, `found ${cases().length} cases`);
  },
});
