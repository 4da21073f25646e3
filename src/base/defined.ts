/**
 * Optional properties under `exactOptionalPropertyTypes`: an optional
 * property may be absent but not `undefined`, so values that may be
 * undefined are spread through {@linkcode defined}, which leaves those out.
 *
 * @example
 * ```ts
 * import { defined } from "./defined.ts";
 * const cause: Error | undefined = undefined;
 * const options: { cause?: Error } = { ...defined({ cause }) }; // {}
 * ```
 *
 * @module
 */

/** `fields` without the properties whose value is undefined. */
export function defined<T extends Record<string, unknown>>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const key in fields) if (fields[key] !== undefined) out[key] = fields[key];
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
