/**
 * The only place that writes to the terminal, so commands stay testable:
 * tests pass an {@linkcode Output} that collects lines instead.
 *
 * @module
 */

/** Where a command writes its lines. */
export interface Output {
  /** A line for standard output. */
  out(line: string): void;
  /** A line for standard error. */
  err(line: string): void;
  /** Whether standard output is a terminal (a person reads it), not a pipe, file or journal. */
  isTerminal(): boolean;
}

/** Writes to the process's standard output and error. */
export function consoleOutput(): Output {
  return {
    // deno-lint-ignore no-console
    out: (line) => console.log(line),
    // deno-lint-ignore no-console
    err: (line) => console.error(line),
    isTerminal: () => Deno.stdout.isTerminal(),
  };
}

/** Collects lines in memory; for tests. `terminal` is what it claims to be. @default false */
export function memoryOutput(
  options: { terminal?: boolean } = {},
): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
    isTerminal: () => options.terminal ?? false,
  };
}
