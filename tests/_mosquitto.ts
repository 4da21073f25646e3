/**
 * A throwaway mosquitto (Debian's, installed by `.ci/install-services.sh`)
 * on a free 127.0.0.1 port, configured not to drop QoS 1 messages
 * : `max_queued_messages 100000`,
 * `max_inflight_messages 0`, `persistence false`. Tests that need it skip
 * with a note when mosquitto is not installed.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { createConnection, createServer } from "node:net";

const CANDIDATES = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto"];

/** The mosquitto binary, or undefined when it is not installed. */
export const MOSQUITTO: string | undefined = CANDIDATES.find((p) => existsSync(p));

/** True when broker tests can run; use `ignore: !HAS_MOSQUITTO`. */
export const HAS_MOSQUITTO: boolean = MOSQUITTO !== undefined;

/** A suffix for the names of broker tests: says why they are skipped, empty when they run. */
export const MOSQUITTO_NOTE: string = HAS_MOSQUITTO
  ? ""
  : " (skipped: mosquitto is not installed; run bash .ci/install-services.sh)";

/** Options for {@linkcode startMosquitto}. */
export interface MosquittoOptions {
  /** Users and passwords; with any, anonymous clients are refused. */
  users?: Record<string, string>;
  /** A TLS listener instead of a plain one: PEM paths. */
  tls?: { ca: string; cert: string; key: string };
  /** Keep sessions and queued messages on disk across {@linkcode Mosquitto.restart}. @default false */
  persistence?: boolean;
  /** Listen on this port (a test that starts a client before the broker). @default a free port */
  port?: number;
  /** `set_tcp_nodelay true`: the broker sends small packets (PUBACKs) at once. @default false */
  tcpNoDelay?: boolean;
  /** Also log notices (connections, and "Outgoing messages are being dropped"). @default false */
  logNotices?: boolean;
}

/** A running broker; `await using` stops it. */
export interface Mosquitto extends AsyncDisposable {
  /** `mqtt://127.0.0.1:<port>` (or `mqtts://` with TLS). */
  readonly url: string;
  readonly port: number;
  /** Stops the broker (and waits for it to exit); idempotent. */
  stop(): Promise<void>;
  /**
   * Stops the broker and starts it again on the same port after `downMs`
   * (sessions and queued messages survive only with `persistence`).
   */
  restart(downMs?: number): Promise<void>;
  /** What the broker logged (errors and warnings) since it first started. */
  log(): string;
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function writeConfig(dir: string, port: number, options: MosquittoOptions): Promise<string> {
  const lines = [
    `listener ${port} 127.0.0.1`,
    ...(options.persistence
      ? ["persistence true", `persistence_location ${dir}/data/`, "autosave_interval 1"]
      : ["persistence false"]),
    "max_queued_messages 100000",
    "max_inflight_messages 0",
    ...(options.tcpNoDelay ? ["set_tcp_nodelay true"] : []),
    "log_dest stderr",
    "log_type error",
    "log_type warning",
    ...(options.logNotices ? ["log_type notice"] : []),
  ];
  const users = Object.entries(options.users ?? {});
  if (users.length > 0) {
    const file = `${dir}/passwords`;
    await Deno.writeTextFile(file, "");
    for (const [user, password] of users) {
      const out = await new Deno.Command("mosquitto_passwd", {
        args: ["-b", file, user, password],
        stdout: "null",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    }
    await Deno.chmod(file, 0o644);
    lines.push("allow_anonymous false", `password_file ${file}`);
  } else {
    lines.push("allow_anonymous true");
  }
  if (options.tls !== undefined) {
    lines.push(
      `cafile ${options.tls.ca}`,
      `certfile ${options.tls.cert}`,
      `keyfile ${options.tls.key}`,
    );
  }
  const path = `${dir}/mosquitto.conf`;
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

/** Starts mosquitto on a free port and waits until it accepts connections. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  if (MOSQUITTO === undefined) throw new Error(`mosquitto is not installed${MOSQUITTO_NOTE}`);
  const binary = MOSQUITTO;
  const dir = await Deno.makeTempDir({ prefix: "weir-mosquitto-" });
  // Readable by the "mosquitto" user that the broker drops to when started as root.
  await Deno.chmod(dir, 0o755);
  const port = options.port ?? await freePort();
  if (options.persistence) {
    // Started as root, mosquitto drops to its own user: without a folder it may write, every
    // save fails ("Permission denied") and a restart silently loses sessions and messages.
    await Deno.mkdir(`${dir}/data`, { mode: 0o777 });
    await Deno.chmod(`${dir}/data`, 0o777);
  }
  const config = await writeConfig(dir, port, options);
  let child: Deno.ChildProcess | undefined;
  let piped: Promise<void> | undefined;
  let log = "";

  const start = async () => {
    const process = new Deno.Command(binary, {
      args: ["-c", config],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    child = process;
    const decoder = new TextDecoder();
    piped = process.stderr.pipeTo(
      new WritableStream({ write: (chunk) => void (log += decoder.decode(chunk)) }),
    ).catch(() => {});
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (Date.now() > deadline) {
        await stopChild();
        throw new Error(`mosquitto did not listen on ${port} within 10 s:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const stopChild = async () => {
    const running = child;
    child = undefined;
    if (running === undefined) return;
    try {
      running.kill("SIGTERM");
    } catch {
      // already gone
    }
    await running.status;
    await piped;
    // The port must be free again before a restart binds it.
    for (let i = 0; i < 200 && await accepts(port); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  await start();
  let stopped = false;
  const broker: Mosquitto = {
    url: `${options.tls === undefined ? "mqtt" : "mqtts"}://127.0.0.1:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    [Symbol.asyncDispose]() {
      return broker.stop();
    },
    log: () => log,
    async restart(downMs = 0) {
      if (stopped) throw new Error("mosquitto was stopped for good");
      await stopChild();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
  };
  return broker;
}
