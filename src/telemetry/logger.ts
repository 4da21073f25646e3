/**
 * Structured logs: one JSON object per line, scoped with fields such as
 * graph and operation, so journald and log shippers can filter them.
 * Normal operation stays quiet: info at lifecycle edges, warn/error on the
 * unexpected.
 *
 * @module
 */

/** Log levels, lowest first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** One log level. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A scoped structured logger. */
export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Options for {@linkcode jsonLogger}. */
export interface JsonLoggerOptions {
  /** Lines below this level are dropped. @default "info" */
  level?: LogLevel;
  /** Where each line goes. @default standard error */
  write?: (line: string) => void;
  /** The clock for `ts`. @default Date.now */
  now?: () => number;
}

const encoder = new TextEncoder();

function stderrLine(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

function toJson(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** A logger that writes JSON lines. */
export function jsonLogger(options: JsonLoggerOptions = {}, scope: LogFields = {}): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? "info");
  const write = options.write ?? stderrLine;
  const now = options.now ?? Date.now;
  return {
    log(level, message, fields = {}) {
      if (LOG_LEVELS.indexOf(level) < min) return;
      const line: LogFields = { ts: new Date(now()).toISOString(), level, msg: message };
      for (const [k, v] of Object.entries({ ...scope, ...fields })) line[k] = toJson(v);
      write(JSON.stringify(line));
    },
    child: (fields) => jsonLogger(options, { ...scope, ...fields }),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { log: () => {}, child: () => silentLogger };
