/**
 * The embedded MQTT broker of `deno task start`: aedes (MQTT 3.1.1) on a
 * loopback port, so a newcomer needs no broker of their own. Production
 * gateways point their endpoints at a real broker instead.
 *
 * @module
 */
import { createServer, type Server } from "node:net";
import { Aedes } from "aedes";

/** A running embedded broker. */
export interface EmbeddedBroker {
  /** e.g. `mqtt://127.0.0.1:1883`. */
  readonly url: string;
  readonly port: number;
  /** Disconnects clients and stops listening. */
  close(): Promise<void>;
}

/** Options for {@linkcode startEmbeddedBroker}. */
export interface EmbeddedBrokerOptions {
  /** Address to bind. @default "127.0.0.1" */
  host?: string;
  /** First port to try. @default 1883 */
  port?: number;
  /** How many following ports to try when one is taken. @default 20 */
  attempts?: number;
}

function listen(server: Server, port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (e.code === "EADDRINUSE" || e.code === "EACCES") resolve(false);
      else reject(e);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve(true);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/** Starts the broker on the first free port from `port` on. */
export async function startEmbeddedBroker(
  options: EmbeddedBrokerOptions = {},
): Promise<EmbeddedBroker> {
  const host = options.host ?? "127.0.0.1";
  const first = options.port ?? 1883;
  const attempts = options.attempts ?? 20;
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  for (let port = first; port < first + attempts; port++) {
    if (await listen(server, port, host)) {
      return {
        url: `mqtt://${host}:${port}`,
        port,
        close: async () => {
          await new Promise<void>((r) => broker.close(() => r()));
          await new Promise<void>((r) => server.close(() => r()));
        },
      };
    }
  }
  await new Promise<void>((r) => broker.close(() => r()));
  throw new Error(
    `No free port for the embedded broker on ${host} between ${first} and ${first + attempts - 1}`,
  );
}
