/**
 * Requests checked against their schemas before a route sees them, as Hono
 * validator middleware: a JSON body read with messages that say what is
 * wrong with it, and queries and path parameters through `hono/validator`. A bad request is a
 * `WeirError` with code `usage` (400) naming every field that is wrong.
 *
 * @module
 */
import type { Context, Env, MiddlewareHandler } from "hono";
import { type SchemaValidator, WeirError } from "../base/mod.ts";
import { requestMessage, type RequestPart } from "./request_wording.ts";

/** The largest request body the API reads (a graph YAML fits many times over). */
export const MAX_BODY_BYTES = 1024 * 1024;

function usage(message: string): WeirError {
  return new WeirError("usage", message);
}

/** The value checked, defaults filled in; a `usage` error naming every problem otherwise. */
function checked<T>(schema: SchemaValidator, value: unknown, part: RequestPart): T {
  const findings = schema.check(value);
  if (findings.length > 0) throw usage(requestMessage(findings, part));
  return value as T;
}

/** Reads the body as JSON, whatever its content type says; empty or malformed is `usage`. */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") throw usage("Request body is empty; expected a JSON object");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw usage(`Request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * The JSON body checked against a schema, for the route as `c.req.valid("json")`.
 * Hono's own JSON validator is not used: it passes a body without a JSON content
 * type as `{}` and says only "Malformed JSON" of an empty one.
 */
export function jsonBody<T>(
  schema: SchemaValidator,
): MiddlewareHandler<Env, string, { in: { json: T }; out: { json: T } }> {
  return async (c, next) => {
    c.req.addValidatedData("json", checked<object>(schema, await readJson(c), "body"));
    await next();
  };
}

/**
 * A query checked against its schema (numbers read from text), for Hono's
 * `validator("query", …)`. An empty value counts as absent, as a form's empty field.
 */
export function checkedQuery<T>(schema: SchemaValidator, query: Record<string, unknown>): T {
  const given = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== ""));
  return checked<T>(schema, given, "query");
}

/** Path parameters checked against their schema, for Hono's `validator("param", …)`. */
export function checkedParams<T>(schema: SchemaValidator, params: Record<string, unknown>): T {
  return checked<T>(schema, { ...params }, "parameter");
}
