/**
 * Dead letters: list (filtered, newest first, a page at a time), one with
 * its payload, an export as `weir graph test` input (JSON lines), a replay
 * into their dataflows, and a purge. Replay and purge take the same
 * selection: seqs, or filters, or `all: true`; an empty selection is refused
 * rather than taken as everything.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { WeirError } from "../../base/mod.ts";
import type { DeadLetterQuery, PreviewFormat } from "../../gateway/mod.ts";
import type { DeadLetterSelection } from "../api_types.ts";
import type { RouteDeps } from "../deps.ts";
import { readJsonObject } from "../request_body.ts";

const FORMATS: readonly PreviewFormat[] = ["json", "text", "hex"];

function usage(message: string): WeirError {
  return new WeirError("usage", message);
}

function wholeNumber(value: string | undefined, name: string, min = 1): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    throw usage(`Query "${name}" is ${JSON.stringify(value)}; expected a whole number ≥ ${min}`);
  }
  return n;
}

function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" || value.length > 256) {
    throw usage(`Field "${name}" must be text of at most 256 characters`);
  }
  return value;
}

/** The filters of a query string. */
function queryOf(c: Context): DeadLetterQuery {
  const dataflow = text(c.req.query("dataflow"), "dataflow");
  const operation = text(c.req.query("operation"), "operation");
  const reason = text(c.req.query("reason"), "reason");
  const before = wholeNumber(c.req.query("before"), "before");
  const limit = wholeNumber(c.req.query("limit"), "limit");
  return {
    ...(dataflow === undefined ? {} : { dataflow }),
    ...(operation === undefined ? {} : { operation }),
    ...(reason === undefined ? {} : { reason }),
    ...(before === undefined ? {} : { before }),
    ...(limit === undefined ? {} : { limit: Math.min(limit, 500) }),
  };
}

/** The selection of a replay or purge body. */
export function parseSelection(body: Record<string, unknown>): DeadLetterQuery {
  const allowed = ["seqs", "dataflow", "operation", "reason", "all"];
  const unknown = Object.keys(body).find((k) => !allowed.includes(k));
  if (unknown !== undefined) {
    throw usage(
      `Unknown field "${unknown}"; expected only ${allowed.map((k) => `"${k}"`).join(", ")}`,
    );
  }
  const s = body as DeadLetterSelection;
  if (
    s.seqs !== undefined &&
    (!Array.isArray(s.seqs) || s.seqs.length > 10_000 ||
      !s.seqs.every((n) => Number.isSafeInteger(n) && n > 0))
  ) {
    throw usage('Field "seqs" must be a list of at most 10000 dead-letter numbers');
  }
  if (s.all !== undefined && typeof s.all !== "boolean") {
    throw usage('Field "all" must be true or false');
  }
  const query: DeadLetterQuery = {
    ...(s.seqs === undefined ? {} : { seqs: s.seqs }),
    ...(text(s.dataflow, "dataflow") === undefined ? {} : { dataflow: s.dataflow! }),
    ...(text(s.operation, "operation") === undefined ? {} : { operation: s.operation! }),
    ...(text(s.reason, "reason") === undefined ? {} : { reason: s.reason! }),
  };
  if (Object.keys(query).length === 0 && s.all !== true) {
    throw usage(
      'Say which dead letters: "seqs", "dataflow", "operation" or "reason", or "all": true',
    );
  }
  return query;
}

/** The dead-letter routes. */
export function deadLetterRoutes(deps: RouteDeps): Hono {
  const { control } = deps;
  return new Hono()
    .get("/dead-letters", (c) => c.json(control.deadLetters(queryOf(c))))
    .get("/dead-letters/export", (c) => {
      const query = queryOf(c);
      const skipped = { count: 0 };
      const lines = [...control.exportDeadLetters(query, skipped)];
      const name = `dead-letters-${
        (query.dataflow ?? "all").replace(/[^A-Za-z0-9_-]/g, "_")
      }.jsonl`;
      return c.body(lines.map((l) => l + "\n").join(""), 200, {
        "Content-Type": "application/x-ndjson; charset=utf-8",
        "Content-Disposition": `attachment; filename="${name}"`,
        "X-Weir-Skipped": String(skipped.count),
      });
    })
    .get("/dead-letters/:seq", (c) => {
      const seq = wholeNumber(c.req.param("seq"), "seq")!;
      const as = c.req.query("as");
      if (as !== undefined && !(FORMATS as readonly string[]).includes(as)) {
        throw usage(`Query "as" is ${JSON.stringify(as)}; expected one of ${FORMATS.join(", ")}`);
      }
      const entry = control.deadLetter(seq, as as PreviewFormat | undefined);
      if (entry === undefined) throw new WeirError("not_found", `No dead letter ${seq}`);
      return c.json(entry);
    })
    .post("/dead-letters/replay", async (c) => {
      return c.json(await control.replayDeadLetters(parseSelection(await readJsonObject(c))));
    })
    .post("/dead-letters/purge", async (c) => {
      return c.json({ purged: control.purgeDeadLetters(parseSelection(await readJsonObject(c))) });
    })
    .get("/queue", (c) => c.json(control.queue()))
    .get("/trends", (c) => c.json(control.trends()));
}
