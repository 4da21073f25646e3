/**
 * `weir deadletters list|show|export|replay|purge`: a running gateway's dead
 * letters from the command line, through its admin API. `export` writes
 * `weir graph test` input lines, so a bad record becomes a test case;
 * `replay` feeds dead letters back into their dataflow (after a fix); each
 * leaves the dead letters once handled.
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import { WeirError } from "../base/mod.ts";
import type {
  DeadLetterDetail,
  DeadLetterEntry,
  DeadLetterPage,
  ReplayResult,
} from "../gateway/mod.ts";
import { ADMIN_FLAG_OPTIONS, ADMIN_FLAGS_HELP, adminClient } from "./admin_client.ts";
import { type Command, defineCommand, type FlagHelp } from "./command.ts";
import { formatBytes } from "./progress_line.ts";

const FILTER_OPTIONS = {
  ...ADMIN_FLAG_OPTIONS,
  dataflow: { type: "string" },
  operation: { type: "string" },
  reason: { type: "string" },
} as const;

const FILTERS_USAGE = "[--dataflow <name>] [--operation <name>] [--reason <text>]";
const GATEWAY_USAGE = "[--admin-url <url>] [--data-dir <dir> | --config <gateway.yaml>]";

const FILTER_HELP: readonly FlagHelp[] = [
  { flag: "--dataflow <name>", text: "Only this dataflow's dead letters" },
  { flag: "--operation <name>", text: "Only those this operation failed on" },
  { flag: "--reason <text>", text: "Only those whose reason contains this text (any case)" },
];

type Values = Record<string, string | boolean | undefined>;

/** The filters as query parameters. */
function query(values: Values, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (
    const [key, value] of Object.entries({
      dataflow: values.dataflow,
      operation: values.operation,
      reason: values.reason,
      ...extra,
    })
  ) {
    if (typeof value === "string" && value !== "") params.set(key, value);
  }
  return params.size === 0 ? "" : `?${params}`;
}

function seqOf(text: string): number {
  const n = Number(text.replace(/^#/, ""));
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new WeirError(
      "usage",
      `"${text}" is not a dead letter number (see weir deadletters list)`,
    );
  }
  return n;
}

/** The body of a replay or purge: seqs, or filters, or everything with --all. */
function selection(values: Values, positionals: string[]): Record<string, unknown> {
  const seqs = positionals.map(seqOf);
  const filters = Object.fromEntries(
    ["dataflow", "operation", "reason"].flatMap((k) =>
      typeof values[k] === "string" ? [[k, values[k]]] : []
    ),
  );
  const body = { ...(seqs.length > 0 ? { seqs } : {}), ...filters };
  if (Object.keys(body).length === 0 && values.all !== true) {
    throw new WeirError(
      "usage",
      "Say which dead letters: their numbers, --dataflow, --operation or --reason, or --all",
    );
  }
  return Object.keys(body).length === 0 ? { all: true } : body;
}

function oneLine(entry: DeadLetterEntry): string {
  const time = entry.at.replace("T", " ").replace(/\.\d+Z$/, "Z");
  const payload = entry.preview?.text.replace(/\s+/g, " ").slice(0, 60) ??
    `(${formatBytes(entry.payloadBytes)} not kept)`;
  return [
    `#${entry.seq}`,
    time,
    entry.dataflow,
    entry.operation ?? entry.kind,
    JSON.stringify(entry.reason ?? entry.kind),
    entry.topic ?? "-",
    payload,
  ].join("  ");
}

// ---------------------------------------------------------------- list

const LIST_USAGE =
  `list ${FILTERS_USAGE} [--limit 20] [--before <number>] ${GATEWAY_USAGE} [--json]`;

/** Exit codes: 0 when listed, 1 when the gateway did not answer, 2 on usage errors. */
export const deadLettersListCommand: Command = defineCommand({
  path: ["deadletters", "list"],
  usage: `deadletters ${LIST_USAGE}`,
  summary: "List a running gateway's dead letters, newest first",
  flags: [
    ...FILTER_HELP,
    { flag: "--limit <n>", text: "How many to list (default 20, at most 500)" },
    { flag: "--before <number>", text: "Only those older than this one (the next page)" },
    ...ADMIN_FLAGS_HELP,
  ],
  notes: ["Each line: number, time stored, dataflow, operation, reason, topic, payload start."],
  options: { ...FILTER_OPTIONS, limit: { type: "string" }, before: { type: "string" } },
  run: async ({ values }, output) => {
    const page = await (await adminClient(values)).json<DeadLetterPage>(
      "GET",
      `/api/dead-letters${
        query(values, { limit: String(values.limit ?? "20"), before: values.before })
      }`,
    );
    if (values.json) {
      output.out(JSON.stringify(page));
      return;
    }
    page.deadLetters.forEach((d) => output.out(oneLine(d)));
    const shown = page.deadLetters.length;
    output.err(
      shown === 0
        ? "no dead letters"
        : `${shown} of ${page.total}${
          page.next === undefined ? "" : `; older ones: --before ${page.next}`
        }`,
    );
  },
});

// ---------------------------------------------------------------- show

const SHOW_USAGE = `show <number> [--as json|text|hex] ${GATEWAY_USAGE} [--json]`;

/** Exit codes: 0 when shown, 1 when it is not there or the gateway did not answer, 2 on usage errors. */
export const deadLettersShowCommand: Command = defineCommand({
  path: ["deadletters", "show"],
  usage: `deadletters ${SHOW_USAGE}`,
  summary: "Show one dead letter: time, reason, topic, properties and payload",
  flags: [
    { flag: "<number>", text: "The dead letter (as weir deadletters list numbers them)" },
    {
      flag: "--as json|text|hex",
      text: "Show the payload as indented JSON, text or a hex dump (default: what suits it)",
    },
    ...ADMIN_FLAGS_HELP,
  ],
  options: { ...ADMIN_FLAG_OPTIONS, as: { type: "string" } },
  problems: ({ positionals }) =>
    positionals.length !== 1 ? "give one dead letter number" : undefined,
  run: async ({ values, positionals }, output) => {
    const as = typeof values.as === "string" ? `?as=${encodeURIComponent(values.as)}` : "";
    const d = await (await adminClient(values)).json<DeadLetterDetail>(
      "GET",
      `/api/dead-letters/${seqOf(positionals[0]!)}${as}`,
    );
    if (values.json) {
      output.out(JSON.stringify(d));
      return;
    }
    const facts: Array<[string, string | undefined]> = [
      ["dead letter", `#${d.seq} (${d.kind})`],
      ["stored", d.at],
      ["dataflow", d.dataflow],
      ["operation", d.operation],
      ["reason", d.reason],
      ["frontier", d.frontier],
      ["record time", d.ts],
      ["topic", d.topic],
      ["content type", d.contentType],
      [
        "payload",
        `${formatBytes(d.payloadBytes)}${d.replayable ? "" : " (cannot be replayed)"}`,
      ],
    ];
    for (const [k, v] of facts) if (v !== undefined) output.out(`${`${k}:`.padEnd(14)}${v}`);
    for (const [k, v] of d.properties) output.out(`${"property:".padEnd(14)}${k}=${v}`);
    if (d.preview !== undefined) {
      output.out(`--- payload (${d.preview.as}${d.preview.truncated ? ", cut" : ""}) ---`);
      d.preview.text.split("\n").forEach((l) => output.out(l));
    }
  },
});

// ---------------------------------------------------------------- export

const EXPORT_USAGE = `export ${FILTERS_USAGE} [--output <file.jsonl>] ${GATEWAY_USAGE}`;

/** Exit codes: 0 when exported, 1 when the gateway did not answer, 2 on usage errors. */
export const deadLettersExportCommand: Command = defineCommand({
  path: ["deadletters", "export"],
  usage: `deadletters ${EXPORT_USAGE}`,
  summary: "Write dead letters as weir graph test input (JSON lines), oldest first",
  flags: [
    ...FILTER_HELP,
    { flag: "--output <file.jsonl>", text: "Write to this file (default: standard output)" },
    ...ADMIN_FLAGS_HELP.filter((f) => f.flag !== "--json"),
  ],
  notes: [
    "Then: weir graph test <graph.yaml> --modules <dir> --input <file.jsonl>",
    "Dead letters without a whole message (too large to keep) are left out and counted.",
  ],
  options: { ...FILTER_OPTIONS, output: { type: "string", short: "o" } },
  run: async ({ values }, output) => {
    const client = await adminClient(values);
    const { text, headers } = await client.text(`/api/dead-letters/export${query(values)}`);
    const lines = text === "" ? 0 : text.trimEnd().split("\n").length;
    if (typeof values.output === "string") await writeFile(values.output, text);
    else if (text !== "") text.trimEnd().split("\n").forEach((l) => output.out(l));
    const skipped = Number(headers.get("x-weir-skipped") ?? "0");
    output.err(
      `exported ${lines} dead letter(s)${
        typeof values.output === "string" ? ` to ${values.output}` : ""
      }${skipped > 0 ? `; ${skipped} without a whole message left out` : ""}`,
    );
  },
});

// ---------------------------------------------------------------- replay and purge

const SELECT_USAGE = `(<number>... | ${FILTERS_USAGE} | --all) ${GATEWAY_USAGE}`;
const SELECT_OPTIONS = { ...FILTER_OPTIONS, all: { type: "boolean", default: false } } as const;
const SELECT_HELP: readonly FlagHelp[] = [
  { flag: "<number>...", text: "These dead letters (as weir deadletters list numbers them)" },
  ...FILTER_HELP,
  { flag: "--all", text: "Every dead letter (needed when nothing else is given)" },
  ...ADMIN_FLAGS_HELP,
];

/** Exit codes: 0 when done, 1 when refused or the gateway did not answer, 2 on usage errors. */
export const deadLettersReplayCommand: Command = defineCommand({
  path: ["deadletters", "replay"],
  usage: `deadletters replay ${SELECT_USAGE}`,
  summary: "Feed dead letters back into their dataflow (after a fix); each leaves once handled",
  flags: SELECT_HELP,
  notes: [
    "Each is re-injected as a source record with its original time and properties; one that",
    "fails again becomes a new dead letter. The dataflow must be running.",
  ],
  options: SELECT_OPTIONS,
  run: async ({ values, positionals }, output) => {
    const result = await (await adminClient(values)).json<ReplayResult>(
      "POST",
      "/api/dead-letters/replay",
      selection(values, positionals),
    );
    if (values.json) {
      output.out(JSON.stringify(result));
      return;
    }
    output.out(`replayed ${result.replayed}, handled ${result.handled}`);
    for (const s of result.skipped) output.err(`skipped #${s.seq}: ${s.reason}`);
  },
});

/** Exit codes: 0 when done, 1 when the gateway did not answer, 2 on usage errors. */
export const deadLettersPurgeCommand: Command = defineCommand({
  path: ["deadletters", "purge"],
  usage: `deadletters purge ${SELECT_USAGE}`,
  summary: "Delete dead letters",
  flags: SELECT_HELP,
  options: SELECT_OPTIONS,
  run: async ({ values, positionals }, output) => {
    const result = await (await adminClient(values)).json<{ purged: number }>(
      "POST",
      "/api/dead-letters/purge",
      selection(values, positionals),
    );
    output.out(values.json ? JSON.stringify(result) : `purged ${result.purged}`);
  },
});
