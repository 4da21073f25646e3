/**
 * A sandboxed WASI 0.2 for operator modules, written for Weir rather than
 * taken from preview2-shim, because that shim reads the whole host
 * environment when it loads. Modules get: no environment, no arguments, no
 * preopened directories, no terminal; stdout and stderr become log lines;
 * clocks (in UTC) and random work. Sockets, http and the filesystem types
 * are linked deny-all (wasi_denied.ts). It needs no Deno permission, so it
 * runs inside permission-less workers too.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";

/** Where a module's stdout/stderr text goes. */
export type StdioSink = (stream: "stdout" | "stderr", text: string) => void;

/** Thrown when a module calls `wasi:cli/exit`; the instance is done. */
export class WasiExit extends WeirError {
  /** The exit status (0 = ok). */
  readonly status: number;
  /** Makes the exit signal. */
  constructor(status: number) {
    super("module_exit", `Module called exit with status ${status}`);
    this.name = "WasiExit";
    this.status = status;
  }
}

class IoError {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  toDebugString(): string {
    return this.#text;
  }
}

/** Always ready: nothing Weir hands out ever waits. */
export class Pollable {
  ready(): boolean {
    return true;
  }
  block(): void {}
}

class InputStream {
  read(): never {
    throw { tag: "closed" };
  }
  blockingRead(): never {
    throw { tag: "closed" };
  }
  skip(): never {
    throw { tag: "closed" };
  }
  blockingSkip(): never {
    throw { tag: "closed" };
  }
  subscribe(): Pollable {
    return new Pollable();
  }
}

const decoder = new TextDecoder();

/** Buffers text until a newline so each log line is one line of output. */
class OutputStream {
  readonly #name: "stdout" | "stderr";
  readonly #sink: StdioSink;
  #pending = "";
  constructor(name: "stdout" | "stderr", sink: StdioSink) {
    this.#name = name;
    this.#sink = sink;
  }
  checkWrite(): bigint {
    return 1_048_576n;
  }
  write(bytes: Uint8Array): void {
    this.#pending += decoder.decode(bytes, { stream: true });
    let nl = this.#pending.indexOf("\n");
    while (nl >= 0) {
      this.#sink(this.#name, this.#pending.slice(0, nl));
      this.#pending = this.#pending.slice(nl + 1);
      nl = this.#pending.indexOf("\n");
    }
    // A module that never writes a newline must not grow memory without bound.
    if (this.#pending.length > 65_536) this.flush();
  }
  blockingWriteAndFlush(bytes: Uint8Array): void {
    this.write(bytes);
  }
  flush(): void {
    if (this.#pending.length > 0) this.#sink(this.#name, this.#pending);
    this.#pending = "";
  }
  blockingFlush(): void {}
  writeZeroes(n: bigint): void {
    this.write(new Uint8Array(Number(n)));
  }
  blockingWriteZeroesAndFlush(n: bigint): void {
    this.writeZeroes(n);
  }
  // The only input stream is stdin, which is closed.
  splice(): never {
    throw { tag: "closed" };
  }
  blockingSplice(): never {
    throw { tag: "closed" };
  }
  subscribe(): Pollable {
    return new Pollable();
  }
}

function randomBytes(len: bigint): Uint8Array {
  const out = new Uint8Array(Number(len));
  for (let i = 0; i < out.length; i += 65_536) crypto.getRandomValues(out.subarray(i, i + 65_536));
  return out;
}

function randomU64(): bigint {
  const b = new BigUint64Array(1);
  crypto.getRandomValues(b);
  return b[0]!;
}

/** The WASI 0.2 import object, keyed as jco's bindings ask for it (no versions). */
export function sandboxedWasi(stdio: StdioSink): Record<string, Record<string, unknown>> {
  const stdout = new OutputStream("stdout", stdio);
  const stderr = new OutputStream("stderr", stdio);
  const stdin = new InputStream();
  const start = performance.now();
  const monotonicNow = () => BigInt(Math.round((performance.now() - start) * 1e6));
  return {
    "wasi:cli/environment": {
      getEnvironment: () => [],
      getArguments: () => [],
      initialCwd: () => undefined,
    },
    "wasi:cli/exit": {
      exit: (status: { tag: string }) => {
        throw new WasiExit(status.tag === "ok" ? 0 : 1);
      },
      exitWithCode: (code: number) => {
        throw new WasiExit(code);
      },
    },
    "wasi:cli/stdin": { getStdin: () => stdin },
    "wasi:cli/stdout": { getStdout: () => stdout },
    "wasi:cli/stderr": { getStderr: () => stderr },
    "wasi:cli/terminal-input": { TerminalInput: class {} },
    "wasi:cli/terminal-output": { TerminalOutput: class {} },
    "wasi:cli/terminal-stdin": { getTerminalStdin: () => undefined },
    "wasi:cli/terminal-stdout": { getTerminalStdout: () => undefined },
    "wasi:cli/terminal-stderr": { getTerminalStderr: () => undefined },
    "wasi:io/error": { Error: IoError },
    "wasi:io/poll": {
      Pollable,
      poll: (list: Pollable[]) => new Uint32Array(list.map((_, i) => i)),
    },
    "wasi:io/streams": { InputStream, OutputStream },
    "wasi:clocks/wall-clock": {
      now: () => {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
    "wasi:clocks/timezone": {
      display: () => ({ utcOffset: 0, name: "UTC", inDaylightSavingTime: false }),
      utcOffset: () => 0,
    },
    "wasi:clocks/monotonic-clock": {
      now: monotonicNow,
      resolution: () => 1_000n,
      subscribeInstant: () => new Pollable(),
      subscribeDuration: () => new Pollable(),
    },
    "wasi:filesystem/preopens": { getDirectories: () => [] },
    "wasi:random/random": { getRandomBytes: randomBytes, getRandomU64: randomU64 },
    "wasi:random/insecure": {
      getInsecureRandomBytes: randomBytes,
      getInsecureRandomU64: randomU64,
    },
    "wasi:random/insecure-seed": { insecureSeed: () => [randomU64(), randomU64()] },
  };
}
