/**
 * Reads a graph definition file from disk and validates it.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { WeirError } from "../base/mod.ts";
import { parseGraph } from "./check.ts";
import type { GraphDefinition } from "./types.ts";

/**
 * Reads and validates a graph definition file.
 *
 * @param path The file to read; issues name it as given.
 * @throws {WeirError} code `graph_io` when the file cannot be read.
 * @throws {GraphValidationError} (code `graph_invalid`) with every issue when it is invalid.
 */
export async function loadGraphFile(path: string): Promise<GraphDefinition> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WeirError("graph_io", `Cannot read graph file "${path}": ${reason}`, {
      cause: error,
    });
  }
  return parseGraph(text, path);
}
