/**
 * Dead letters: list (filtered, newest first, a page at a time), one with
 * its payload, an export as `weir graph test` input (JSON lines), a replay
 * into their dataflows, and a purge. Replay and purge take the same
 * selection: seqs, or filters, or `all: true`; an empty selection is refused
 * rather than taken as everything.
 *
 * @module
 */
import { Hono } from "hono";
import { validator } from "hono/validator";
import { WeirError } from "../../base/mod.ts";
import type { DeadLetterQuery, PreviewFormat } from "../../gateway/mod.ts";
import type { DeadLetterSelection } from "../api_types.ts";
import type { RouteDeps } from "../deps.ts";
import { checkedParams, checkedQuery, jsonBody } from "../request_body.ts";
import { DEAD_LETTER_QUERY, SELECTION_BODY, SEQ_PARAMETER } from "../request_schemas.ts";

/** The most dead letters one page lists. */
const MAX_PAGE = 500;

/** A dead-letter query as its schema lets it through. */
type Query = DeadLetterQuery & { readonly as?: PreviewFormat };

const selection = jsonBody<DeadLetterSelection>(SELECTION_BODY);

const query = validator("query", (q) => checkedQuery<Query>(DEAD_LETTER_QUERY, q));

/** The filters and page of a query, the page at most {@linkcode MAX_PAGE}. */
function pageOf({ as: _, ...filters }: Query): DeadLetterQuery {
  return filters.limit === undefined
    ? filters
    : { ...filters, limit: Math.min(filters.limit, MAX_PAGE) };
}

/**
 * The selection of a replay or purge body. An empty one is refused rather
 * than taken as everything: it takes `all: true` to mean every dead letter.
 */
export function selectionOf(body: DeadLetterSelection): DeadLetterQuery {
  const { all, ...selection } = body;
  if (Object.keys(selection).length === 0 && all !== true) {
    throw new WeirError(
      "usage",
      'Say which dead letters: "seqs", "dataflow", "operation" or "reason", or "all": true',
    );
  }
  return selection;
}

/** The dead-letter routes. */
export function deadLetterRoutes(deps: RouteDeps): Hono {
  const { control } = deps;
  return new Hono()
    .get("/dead-letters", query, (c) => c.json(control.deadLetters(pageOf(c.req.valid("query")))))
    .get("/dead-letters/export", query, (c) => {
      const filters = pageOf(c.req.valid("query"));
      const skipped = { count: 0 };
      const lines = [...control.exportDeadLetters(filters, skipped)];
      const name = `dead-letters-${
        (filters.dataflow ?? "all").replace(/[^A-Za-z0-9_-]/g, "_")
      }.jsonl`;
      return c.body(lines.map((l) => l + "\n").join(""), 200, {
        "Content-Type": "application/x-ndjson; charset=utf-8",
        "Content-Disposition": `attachment; filename="${name}"`,
        "X-Weir-Skipped": String(skipped.count),
      });
    })
    .get(
      "/dead-letters/:seq",
      validator("param", (p) => checkedParams<{ seq: number }>(SEQ_PARAMETER, p)),
      query,
      (c) => {
        const { seq } = c.req.valid("param");
        const entry = control.deadLetter(seq, c.req.valid("query").as);
        if (entry === undefined) throw new WeirError("not_found", `No dead letter ${seq}`);
        return c.json(entry);
      },
    )
    .post("/dead-letters/replay", selection, async (c) => {
      return c.json(await control.replayDeadLetters(selectionOf(c.req.valid("json"))));
    })
    .post("/dead-letters/purge", selection, (c) => {
      return c.json({ purged: control.purgeDeadLetters(selectionOf(c.req.valid("json"))) });
    })
    .get("/queue", (c) => c.json(control.queue()))
    .get("/trends", (c) => c.json(control.trends()));
}
