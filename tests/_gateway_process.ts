/**
 * Runs the gateway as a real process (`weir start --config …`) for tests that
 * kill it, and writes the configuration files they use.
 *
 * @module
 */
import { join } from "node:path";
import { ROOT } from "./_samples.ts";

/** A gateway process. */
export interface GatewayProcess {
  readonly child: Deno.ChildProcess;
  /** Everything it wrote to stderr (JSON log lines). */
  readonly log: () => string;
  /** Everything it wrote to stdout (the banner). */
  readonly out: () => string;
  /** Sends a signal and waits for the exit code. */
  stop(signal: Deno.Signal): Promise<number>;
}

/** `deno run <the permissions of deno task start> main.ts start <args>`, for Deno.execPath(). */
export function weirStartArgs(...args: string[]): string[] {
  return [
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-ffi",
    "--allow-net=127.0.0.1",
    "--allow-sys=hostname,osRelease,networkInterfaces,statfs",
    "--unstable-worker-options",
    join(ROOT, "main.ts"),
    "start",
    "--metrics-port",
    "0",
    "--admin-port",
    "0",
    "--modules",
    join(ROOT, "modules/dist"),
    ...args,
  ];
}

/** Starts `weir start --config <file>` and resolves once it runs; `runtimeFlags` go to `deno run`. */
export async function startGatewayProcess(
  configFile: string,
  timeoutMs = 60_000,
  runtimeFlags: readonly string[] = [],
): Promise<GatewayProcess> {
  const args = weirStartArgs("--config", configFile);
  args.splice(1, 0, ...runtimeFlags);
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  let err = "";
  const dec = new TextDecoder();
  child.stdout.pipeTo(new WritableStream({ write: (c) => void (out += dec.decode(c)) })).catch(
    () => {},
  );
  child.stderr.pipeTo(new WritableStream({ write: (c) => void (err += dec.decode(c)) })).catch(
    () => {},
  );
  const deadline = Date.now() + timeoutMs;
  let exited: Deno.CommandStatus | undefined;
  child.status.then((s) => (exited = s));
  while (!out.includes("Stop with Ctrl-C.")) {
    if (exited !== undefined) {
      throw new Error(`gateway exited with code ${exited.code} while starting:\n${out}\n${err}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`gateway did not start within ${timeoutMs} ms:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    log: () => err,
    out: () => out,
    stop: async (signal) => {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
      return (await child.status).code;
    },
  };
}

/** Writes a configuration with one dataflow; returns its path. */
export async function writeGatewayConfig(dir: string, yaml: string): Promise<string> {
  const path = join(dir, "gateway.yaml");
  await Deno.writeTextFile(path, yaml);
  return path;
}
