/**
 * Starts a system under test as a child process, keeps what it prints, and
 * waits until it says it is ready.
 *
 * @module
 */

/** A running system under test. */
export interface Running {
  readonly name: string;
  readonly pid: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves when it exited. */
  stop(): Promise<void>;
}

/** Spawns `command args` and resolves once `ready(output)` holds (or rejects after `timeoutMs`). */
export async function spawnReady(
  name: string,
  command: string,
  args: string[],
  ready: (output: string) => boolean,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<Running> {
  const child = new Deno.Command(command, {
    args,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const keep = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text = (text + decoder.decode(chunk, { stream: true })).slice(-200_000);
    }
  };
  const piped = Promise.all([keep(child.stdout), keep(child.stderr)]).catch(() => {});
  let exited = false;
  child.status.then(() => exited = true);
  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => exited || child.kill("SIGKILL"), 10_000);
      await child.status;
      clearTimeout(timer);
    }
    await piped;
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!ready(text)) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not start:\n${text.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, pid: child.pid, output: () => text, stop };
}
