/**
 * Reading and checking request bodies, with messages that name the field and
 * say what was expected. A bad body is a `WeirError` with code `usage` (400).
 *
 * @module
 */
import type { Context } from "hono";
import { WeirError } from "../base/mod.ts";
import type { DeployRequest } from "../gateway/mod.ts";

/** The largest request body the API reads (a graph YAML fits many times over). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** An OCI reference: `<registry>/<repo>:<tag>` or `<registry>/<repo>@sha256:<hex>`. */
const OCI_REF =
  /^[A-Za-z0-9.-]+(?::[0-9]{1,5})?\/[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** Graph configuration keys, as the gateway configuration allows them. */
const CONFIG_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** Longest watch interval accepted: one day. */
const MAX_WATCH_SECONDS = 86_400;

type Obj = Record<string, unknown>;

function usage(message: string): WeirError {
  return new WeirError("usage", message);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `string ${JSON.stringify(value.slice(0, 60))}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function onlyFields(body: Obj, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw usage(
      `Unknown field "${unknown[0]}"; expected only ${allowed.map((k) => `"${k}"`).join(", ")}`,
    );
  }
}

/** Reads a JSON object body. */
export async function readJsonObject(c: Context): Promise<Obj> {
  const text = await c.req.text();
  if (text.trim() === "") throw usage("Request body is empty; expected a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usage(`Request body is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw usage(`Request body is ${describe(value)}; expected a JSON object`);
  }
  return value as Obj;
}

/** Checks graph configuration values: keys of letters, digits, `_`, `-`; values as strings. */
export function parseConfiguration(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw usage(`Field "configuration" is ${describe(value)}; expected an object of key/values`);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Obj)) {
    if (!CONFIG_KEY.test(key)) {
      throw usage(
        `Configuration key ${
          JSON.stringify(key)
        } is not valid; expected letters, digits, "_" and "-"`,
      );
    }
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw usage(
        `Configuration value of "${key}" is ${describe(v)}; expected a string, number or boolean`,
      );
    }
    out[key] = String(v);
  }
  return out;
}

/** Checks a deploy body: exactly one of `ref` and `yaml`, optional `configuration` and `watchSeconds`. */
export function parseDeployBody(body: Obj): DeployRequest {
  onlyFields(body, ["ref", "yaml", "configuration", "watchSeconds"]);
  const { ref, yaml, configuration, watchSeconds } = body;
  if ((ref === undefined) === (yaml === undefined)) {
    throw usage('Give exactly one of "ref" (an OCI reference) and "yaml" (graph YAML text)');
  }
  if (ref !== undefined && (typeof ref !== "string" || !OCI_REF.test(ref))) {
    throw usage(
      `Field "ref" is ${
        describe(ref)
      }; expected "<registry>/<repo>:<tag>" or "<registry>/<repo>@sha256:<hex>"`,
    );
  }
  if (yaml !== undefined && (typeof yaml !== "string" || yaml.trim() === "")) {
    throw usage(`Field "yaml" is ${describe(yaml)}; expected the graph YAML as text`);
  }
  if (watchSeconds !== undefined) {
    if (ref === undefined) {
      throw usage('Field "watchSeconds" needs "ref": only a tag can be watched');
    }
    if (
      typeof watchSeconds !== "number" || !Number.isInteger(watchSeconds) || watchSeconds < 0 ||
      watchSeconds > MAX_WATCH_SECONDS
    ) {
      throw usage(
        `Field "watchSeconds" is ${
          describe(watchSeconds)
        }; expected a whole number from 0 to ${MAX_WATCH_SECONDS}`,
      );
    }
  }
  return {
    ...(typeof ref === "string" ? { ref } : {}),
    ...(typeof yaml === "string" ? { yaml } : {}),
    ...(configuration === undefined ? {} : { configuration: parseConfiguration(configuration) }),
    ...(typeof watchSeconds === "number" ? { watchSeconds } : {}),
  };
}

/** Checks a configuration body: `{configuration: {...}}`. */
export function parseConfigurationBody(body: Obj): Record<string, string> {
  onlyFields(body, ["configuration"]);
  if (body.configuration === undefined) throw usage('Field "configuration" is missing');
  return parseConfiguration(body.configuration);
}
