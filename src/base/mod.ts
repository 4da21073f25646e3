/**
 * Pure building blocks shared by every layer: errors and small helpers.
 * No I/O, no globals.
 *
 * @module
 */
export * from "./errors.ts";
