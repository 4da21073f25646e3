/**
 * The runtime's own warnings (Node-style `process.emitWarning`, such as an
 * npm package's MaxListenersExceededWarning) as lines of the gateway's JSON
 * log, instead of plain `(node:123) …` text in the middle of it.
 *
 * @module
 */
import process from "node:process";
import type { Logger } from "../telemetry/mod.ts";

/**
 * Sends every runtime warning to `log` (at warn) and stops the default
 * printer; returns the function that puts the default back.
 */
export function captureRuntimeWarnings(log: Logger): () => void {
  const defaults = process.listeners("warning");
  const listener = (warning: Error) => {
    log.log("warn", "runtime warning", { name: warning.name, warning: warning.message });
  };
  process.removeAllListeners("warning");
  process.on("warning", listener);
  return () => {
    process.off("warning", listener);
    for (const d of defaults) process.on("warning", d);
  };
}
