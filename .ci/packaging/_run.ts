/**
 * Runs a build tool and fails with its output when it fails.
 *
 * @module
 */

/** Options for {@linkcode run}. */
export interface RunOptions {
  /** The working directory. @default the current one */
  readonly cwd?: string;
  /** Extra environment variables. @default none */
  readonly env?: Record<string, string>;
}

/** Runs `command args…` and resolves to its standard output; throws with its stderr if it fails. */
export async function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const out = await new Deno.Command(command, {
    args: [...args],
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
  }).output();
  const text = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed (exit ${out.code}):\n${text.decode(out.stderr)}`,
    );
  }
  return text.decode(out.stdout);
}
