/**
 * `weir graph test <graph.yaml> --modules <dir> --input <in.jsonl>`: runs a
 * graph offline over JSON-lines input and prints one JSON line per sink
 * record. The module author's test bench.
 *
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { defined, type Hlc, WeirError } from "../base/mod.ts";
import { formatOutputLine, parseInputLine, runOffline } from "../gateway/mod.ts";
import { loadGraphFile } from "../graph/mod.ts";
import { jsonLogger, LOG_LEVELS, type LogLevel } from "../telemetry/mod.ts";
import { type Command, defineCommand, type ParsedArgs, usageError } from "./command.ts";
import type { Output } from "./output.ts";

const USAGE =
  "graph test <graph.yaml> --modules <dir> --input <in.jsonl|-> [--config key=value]... [--state <state.json>] [--schema <schema.json>]... [--dead-letter <file>] [--isolation worker|none] [--deadline ms] [--model name=path.onnx]... [--no-wasi-nn] [--log-level warn]";

function defaultCacheDir(): string | undefined {
  const base = Deno.env.get("XDG_CACHE_HOME") ??
    (Deno.env.get("HOME") && join(Deno.env.get("HOME")!, ".cache"));
  return base ? join(base, "weir", "bindings") : undefined;
}

/**
 * A schema file for `init`'s `module-schemas`, as AIO's local host reads the one
 * named by TK_SCHEMA_CONFIG_PATH: the name is the file's base name.
 */
async function readSchema(
  file: string,
): Promise<{ name: string; contentType: string; content: string }> {
  const content = await readFile(file, "utf8");
  const name = basename(file).replace(/\.[^.]*$/, "");
  return {
    name,
    contentType: file.endsWith(".json") ? "application/schema+json" : "text/plain",
    content,
  };
}

/** Reads a statestore.json-shaped file: a list of objects of string values. */
function parseState(text: string, file: string): Array<Record<string, string>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new WeirError("usage", `${file}: not JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(value) ? value : [value];
  for (const [i, entry] of list.entries()) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new WeirError("usage", `${file}: entry ${i} must be an object of key/value strings`);
    }
  }
  return list as Array<Record<string, string>>;
}

async function readInput(path: string): Promise<string> {
  if (path !== "-") return await readFile(path, "utf8");
  return await new Response(Deno.stdin.readable).text();
}

const OPTIONS = {
  modules: { type: "string" },
  input: { type: "string" },
  config: { type: "string", multiple: true },
  "dead-letter": { type: "string" },
  state: { type: "string" },
  schema: { type: "string", multiple: true },
  "log-level": { type: "string", default: "warn" },
  cache: { type: "string" },
  isolation: { type: "string", default: "worker" },
  deadline: { type: "string", default: "1000" },
  model: { type: "string", multiple: true },
  "no-wasi-nn": { type: "boolean", default: false },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ParsedArgs<typeof OPTIONS>["values"];

/** How the run goes, from the flags. */
interface RunSettings {
  readonly level: LogLevel;
  readonly isolation: "worker" | "none";
  readonly deadlineMs: number;
  readonly config: Map<string, string>;
  readonly models: Record<string, string>;
}

/** The run's settings from the arguments, and every usage problem among them. */
function runSettings(
  values: Values,
  positionals: readonly string[],
): RunSettings & { readonly problems: string[] } {
  const problems: string[] = [];
  if (positionals.length !== 1) problems.push("give exactly one graph file");
  if (!values.modules) problems.push("--modules <dir> is required");
  if (!values.input) problems.push("--input <file> is required (- for standard input)");
  const level = values["log-level"] as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    problems.push(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const isolation = values.isolation as "worker" | "none";
  if (isolation !== "worker" && isolation !== "none") {
    problems.push(`--isolation must be "worker" or "none"`);
  }
  const deadlineMs = Number(values.deadline);
  if (!(deadlineMs > 0)) problems.push(`--deadline must be a positive number of milliseconds`);
  const config = new Map<string, string>();
  for (const pair of values.config ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) problems.push(`--config "${pair}" must be key=value`);
    else config.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const models: Record<string, string> = {};
  for (const pair of values.model ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || eq === pair.length - 1) problems.push(`--model "${pair}" must be name=path`);
    else models[pair.slice(0, eq)] = resolve(pair.slice(eq + 1));
  }
  return { level, isolation, deadlineMs, config, models, problems };
}

/** Exit codes: 0 when the run completed, 1 when the graph or a module failed, 2 on usage errors. */
export const graphTestCommand: Command = defineCommand({
  path: ["graph", "test"],
  usage: USAGE,
  summary: "Run a graph offline over JSON-lines input; print one JSON line per sink record",
  flags: [
    { flag: "<graph.yaml>", text: "The graph definition" },
    { flag: "--modules <dir>", text: "Where modules are, as <dir>/<name>.wasm (required)" },
    {
      flag: "--input <in.jsonl|->",
      text:
        "One JSON object per line: topic, payload (text or any JSON value) or payloadBase64, ts, properties, contentType; - for standard input (required)",
    },
    { flag: "--config key=value", text: "A graph configuration value (repeatable)" },
    { flag: "--state <state.json>", text: "Seed the state store (AIO's statestore.json shape)" },
    { flag: "--schema <schema.json>", text: "A schema modules may ask for by name (repeatable)" },
    {
      flag: "--dead-letter <file>",
      text: "Write dead letters and late records here as JSON lines (default: standard error)",
    },
    {
      flag: "--isolation worker|none",
      text: "Each operation in its own worker with no permissions (default), or in-thread",
    },
    {
      flag: "--deadline <ms>",
      text:
        "Longest a module may work on one record (5x for a fresh worker's first; waiting on inference does not count; default 1000)",
    },
    { flag: "--model name=path.onnx", text: "A model modules load by name (repeatable)" },
    { flag: "--no-wasi-nn", text: "Refuse wasi-nn to the modules" },
    { flag: "--log-level <level>", text: "debug, info, warn (default) or error" },
    { flag: "--cache <dir>", text: "Where compiled module bindings are kept" },
  ],
  notes: [
    "Example: weir graph test graphs/temperature.yaml --modules modules/dist \\",
    "           --input graphs/temperature.input.jsonl",
  ],
  options: OPTIONS,
  run: async ({ values, positionals }, output) => {
    const settings = runSettings(values, positionals);
    if (settings.problems.length > 0) {
      return usageError({ name: "graph test", usage: USAGE }, settings.problems, output);
    }
    await runGraph(positionals[0]!, values, settings, output);
  },
});

async function runGraph(
  graphFile: string,
  values: Values,
  { level, isolation, deadlineMs, config, models }: RunSettings,
  output: Output,
): Promise<void> {
  const inputFile = values.input!;
  const deadLetters: string[] = [];
  const graph = await loadGraphFile(graphFile);
  const text = await readInput(inputFile);
  const records = [];
  let previous: Hlc | undefined;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === "") continue;
    const r = parseInputLine(lines[i]!, `${inputFile}:${i + 1}`, previous);
    previous = r.time;
    records.push(r);
  }
  const cacheDir = values.cache ?? defaultCacheDir();
  const state = values.state === undefined
    ? []
    : parseState(await readFile(values.state, "utf8"), values.state);
  const stats = await runOffline({
    graph,
    modulesDir: values.modules!,
    config,
    ...defined({ cacheDir }),
    log: jsonLogger({ level, write: (l) => output.err(l) }),
    isolation,
    deadlineMs,
    models,
    wasiNn: !values["no-wasi-nn"],
    state,
    schemas: await Promise.all((values.schema ?? []).map(readSchema)),
    onOutput: (r) => output.out(formatOutputLine(r)),
    side: {
      late: (e) =>
        void deadLetters.push(
          JSON.stringify({
            kind: "late",
            operation: e.operation,
            record: JSON.parse(formatOutputLine(e.record)),
          }),
        ),
      deadLetter: (e) =>
        void deadLetters.push(
          JSON.stringify({
            kind: "dead-letter",
            operation: e.operation,
            reason: e.reason,
            record: JSON.parse(formatOutputLine(e.record)),
          }),
        ),
    },
  }, records);
  if (values["dead-letter"]) {
    await writeFile(
      values["dead-letter"],
      deadLetters.map((l) => l + "\n").join(""),
    );
  } else deadLetters.forEach((l) => output.err(l));
  const failed = Object.values(stats).reduce((n, s) => n + s.deadLettered + s.late, 0);
  if (failed > 0) {
    output.err(`weir graph test: ${failed} record(s) went to the dead-letter or late output`);
  }
}
