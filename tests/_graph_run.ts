/**
 * Runs `weir graph test` in-process on JSON lines and returns what it printed:
 * the sink records, the dead letters and the exit code. Also writes small
 * throw-away graphs for cases no sample graph isolates.
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { memoryOutput, runCli } from "../src/cli/mod.ts";
import { MODULES_DIR } from "./_modules.ts";
import { scratchFolder } from "./_scratch.ts";

/** One sink record as `weir graph test` prints it. */
export interface OutputRecord {
  kind: "message" | "snapshot" | "bytes";
  topic?: string;
  payload?: string;
  payloadBase64?: string;
  format?: string;
  width?: number;
  height?: number;
  ts?: string;
  properties?: [string, string][];
}

/** What one run produced. */
export interface GraphRun {
  code: number;
  records: OutputRecord[];
  deadLetters: Record<string, unknown>[];
  errors: string[];
}

/** A temporary folder for one test's files. */
export function scratchDir(): Promise<string> {
  return Promise.resolve(scratchFolder("weir-ml-test-"));
}

/** Runs `graph` over `lines` (objects become JSON lines); `extra` are more CLI arguments. */
export async function runGraph(
  graph: string,
  lines: unknown[],
  ...extra: string[]
): Promise<GraphRun> {
  const dir = await scratchDir();
  const input = join(dir, "in.jsonl");
  const dead = join(dir, "dead.jsonl");
  await writeFile(input, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  await writeFile(dead, "");
  const out = memoryOutput();
  const args = ["--modules", MODULES_DIR, "--input", input, "--dead-letter", dead, ...extra];
  const code = await runCli(["graph", "test", graph, ...args], out);
  const deadLetters = (await Deno.readTextFile(dead)).split("\n").filter((l) => l !== "")
    .map((l) => JSON.parse(l));
  return { code, records: out.lines.map((l) => JSON.parse(l)), deadLetters, errors: out.errors };
}

/** A node of a straight-line test graph: an operation and the arm it leaves by, if a branch. */
export interface Step {
  type: "map" | "branch" | "accumulate" | "filter" | "delay";
  name: string;
  module: string;
  arm?: "True" | "False";
  /** Parameters the operation declares, so `--config key=value` reaches its module. */
  parameters?: string[];
}

/**
 * Writes a graph `source → steps… → sink` that asks for wasi-nn, and returns its path.
 * A branch step passes on only the records of its `arm` (the other arm is left unconnected).
 */
export async function chainGraph(dir: string, steps: Step[]): Promise<string> {
  const names = ["source", ...steps.map((s) => s.name), "sink"];
  const operations = [
    { operationType: "source", name: "source" },
    ...steps.map((s) => ({ operationType: s.type, name: s.name, module: s.module })),
    { operationType: "sink", name: "sink" },
  ];
  const connections = names.slice(1).map((to, i) => {
    const arm = steps[i - 1]?.arm;
    return { from: { name: names[i], ...(arm ? { arm } : {}) }, to: { name: to } };
  });
  const graph = {
    metadata: {
      $schema: "https://www.schemastore.org/aio-wasm-graph-config-1.0.0.json",
      name: "weir test chain",
      version: "1.0.0",
    },
    moduleRequirements: {
      apiVersion: "1.1.0",
      runtimeVersion: "1.1.0",
      features: [{ name: "wasi-nn" }],
    },
    moduleConfigurations: steps.filter((s) => s.parameters).map((s) => ({
      name: s.name,
      parameters: Object.fromEntries(s.parameters!.map((key) => [key, { name: key }])),
    })),
    operations,
    connections,
  };
  const path = join(dir, "chain.yaml");
  // JSON is YAML: no YAML writer needed.
  await writeFile(path, JSON.stringify(graph, null, 2));
  return path;
}
