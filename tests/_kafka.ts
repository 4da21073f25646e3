/**
 * A throwaway Apache Kafka 4.4.0 broker in KRaft mode (one node, broker and
 * controller) on free 127.0.0.1 ports, started from the Maven Central jars
 * that `.ci/install-kafka.sh` caches. One broker at a time, with a 512 MiB
 * heap: the machine has two cores. Tests that need it skip with a note when
 * the jars are absent.
 *
 * @module
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./_mosquitto.ts";

/** Where the broker's jars are (`WEIR_KAFKA_LIBS`, else the install script's cache). */
export const KAFKA_LIBS: string = Deno.env.get("WEIR_KAFKA_LIBS") ??
  join(Deno.env.get("HOME") ?? "/root", ".cache/weir/kafka-4.4.0/libs");

/** True when Kafka tests can run; use `ignore: !HAS_KAFKA`. */
export const HAS_KAFKA: boolean = existsSync(KAFKA_LIBS) &&
  readdirSync(KAFKA_LIBS).some((f) => /^kafka_2\.13-.*\.jar$/.test(f)) &&
  existsSync("/usr/bin/java");

/** A suffix for the names of Kafka tests: says why they are skipped, empty when they run. */
export const KAFKA_NOTE: string = HAS_KAFKA
  ? ""
  : " (skipped: no Kafka jars or Java; run bash .ci/install-kafka.sh)";

/** Options for {@linkcode startKafka}. */
export interface KafkaOptions {
  /** Partitions of auto-created topics. @default 1 */
  readonly partitions?: number;
  /** Listen on this port (a restart keeps it). @default a free port */
  readonly port?: number;
  /** A SASL/SCRAM-SHA-512 listener with these users instead of plaintext. */
  readonly scramUsers?: Record<string, string>;
}

/** A running broker. */
export interface Kafka {
  /** `127.0.0.1:<port>`. */
  readonly broker: string;
  readonly port: number;
  /** Kills the broker (SIGKILL) and waits for it; idempotent. */
  stop(): Promise<void>;
  /** Kills the broker and starts it again on the same ports and data after `downMs`. */
  restart(downMs?: number): Promise<void>;
}

async function run(args: string[]): Promise<string> {
  const out = await new Deno.Command("java", { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`java ${args.join(" ")} failed: ${text}`);
  return text;
}

/** Formats storage and starts a broker; resolves once it says "Kafka Server started". */
export async function startKafka(options: KafkaOptions = {}): Promise<Kafka> {
  if (!HAS_KAFKA) throw new Error(`Kafka is not installed${KAFKA_NOTE}`);
  const dir = await Deno.makeTempDir({ prefix: "weir-kafka-" });
  const port = options.port ?? await freePort();
  const controller = await freePort();
  const scram = options.scramUsers !== undefined;
  const protocol = scram ? "SASL_PLAINTEXT" : "PLAINTEXT";
  const props = [
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
    `listeners=${protocol}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=${protocol}://127.0.0.1:${port}`,
    "controller.listener.names=CONTROLLER",
    `inter.broker.listener.name=${protocol}`,
    `listener.security.protocol.map=CONTROLLER:PLAINTEXT,${protocol}:${protocol}`,
    `log.dirs=${dir}/data`,
    `num.partitions=${options.partitions ?? 1}`,
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=1",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    "auto.create.topics.enable=true",
    "log.flush.interval.messages=1000000",
  ];
  const formatArgs = [];
  if (scram) {
    props.push(
      "sasl.enabled.mechanisms=SCRAM-SHA-512",
      "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
      `listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="admin-secret";`,
    );
    const users = { admin: "admin-secret", ...options.scramUsers };
    for (const [user, password] of Object.entries(users)) {
      formatArgs.push("--add-scram", `SCRAM-SHA-512=[name=${user},password=${password}]`);
    }
  }
  const config = join(dir, "server.properties");
  await Deno.writeTextFile(config, props.join("\n") + "\n");
  const cp = ["-cp", `${KAFKA_LIBS}/*`];
  const id = (await run([...cp, "kafka.tools.StorageTool", "random-uuid"])).trim().split("\n")
    .pop()!;
  await run([
    ...cp,
    "kafka.tools.StorageTool",
    "format",
    "--standalone",
    "-t",
    id,
    "-c",
    config,
    ...formatArgs,
  ]);
  let child: Deno.ChildProcess | undefined;
  const launch = async () => {
    const proc = new Deno.Command("java", {
      args: [
        "-Xms128m",
        "-Xmx512m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        ...cp,
        "kafka.Kafka",
        config,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    child = proc;
    let log = "";
    const dec = new TextDecoder();
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Kafka did not start: ${log}`)), 60_000);
      const sink = (chunk: Uint8Array) => {
        log += dec.decode(chunk);
        if (log.length > 200_000) log = log.slice(-100_000);
        if (log.includes("Kafka Server started")) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout.pipeTo(new WritableStream({ write: sink })).catch(() => {});
      proc.stderr.pipeTo(new WritableStream({ write: sink })).catch(() => {});
      proc.status.then(() => {
        clearTimeout(timer);
        reject(new Error(`Kafka exited: ${log.slice(-4000)}`));
      });
    });
    await started;
  };
  const kill = async () => {
    const proc = child;
    child = undefined;
    if (proc === undefined) return;
    try {
      proc.kill("SIGKILL");
    } catch { /* already gone */ }
    await proc.status;
  };
  await launch();
  let stopped = false;
  return {
    broker: `127.0.0.1:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    async restart(downMs = 0) {
      await kill();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
  };
}
