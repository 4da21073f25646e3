/**
 * One configured dataflow, running: an MQTT (or other) source feeds the
 * graph; each sink of the graph writes into the durable outbound queue; a
 * forwarder drains the queue to the destination. Source messages are
 * acknowledged only once every sink's frontier has passed them, i.e. once
 * everything derived from them is on disk. Without a graph the dataflow is a
 * plain bridge: messages go straight into the queue.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { formatHlc, type Hlc } from "../base/mod.ts";
import type { ConnectorContext, ConnectorRegistry, Sink, Source } from "../connectors/mod.ts";
import {
  Dataflow,
  type DeadLetter,
  type LateRecord,
  type Rec,
  type SinkWriter,
  systemClock,
} from "../engine/mod.ts";
import type { DataflowConfig, EndpointConfig } from "../config/mod.ts";
import { loadGraphFile } from "../graph/mod.ts";
import { type OutboundQueue, QueueFullError, type QueueMessage } from "../store/mod.ts";
import type { Logger, Metrics } from "../telemetry/mod.ts";
import { StateStore } from "../wasm/mod.ts";
import { AckTracker } from "./ack_tracker.ts";
import { Forwarder } from "./forwarder.ts";
import { graphOperators } from "./graph_operators.ts";

/** Options for {@linkcode startLiveDataflow}. */
export interface LiveDataflowOptions {
  readonly name: string;
  readonly config: DataflowConfig;
  readonly endpoints: Readonly<Record<string, EndpointConfig>>;
  readonly registry: ConnectorRegistry;
  readonly context: ConnectorContext;
  readonly queue: OutboundQueue;
  readonly modulesDir: string;
  readonly cacheDir: string;
  /** The graph's state store file. */
  readonly statePath: string;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** @default 1000 */
  readonly idleMs?: number;
}

/** A running dataflow. */
export interface LiveDataflow {
  readonly name: string;
  /** The engine, when the dataflow has a graph. */
  readonly flow: Dataflow | undefined;
  readonly forwarder: Forwarder;
  /** Stops taking input, flushes what it can to the destination, releases everything. */
  stop(): Promise<void>;
}

function deadLetterMessage(
  dataflow: string,
  kind: string,
  entry: DeadLetter | LateRecord,
): QueueMessage {
  const data = entry.record.data;
  const body = {
    kind,
    dataflow,
    operation: entry.operation,
    ...("reason" in entry ? { reason: entry.reason } : { frontier: formatHlc(entry.frontier) }),
    ts: formatHlc(entry.record.time),
    ...(data.kind === "message"
      ? {
        topic: new TextDecoder().decode(data.topic),
        payloadBase64: Buffer.from(data.payload).toString("base64"),
        properties: data.userProperties,
      }
      : { dataKind: data.kind }),
  };
  return {
    destination: `dead-letter/${dataflow}`,
    topic: `weir/dead-letter/${dataflow}`,
    payload: new TextEncoder().encode(JSON.stringify(body)),
    properties: { contentType: "application/json", userProperties: [] },
    id: `${dataflow}/${entry.operation}/${formatHlc(entry.record.time)}/${kind}`,
  };
}

/** Starts one dataflow. */
export async function startLiveDataflow(o: LiveDataflowOptions): Promise<LiveDataflow> {
  const { name, config, queue, log, metrics } = o;
  const labels = { dataflow: name };
  const sourceEndpoint = o.endpoints[config.source.endpoint]!;
  const destEndpoint = o.endpoints[config.destination.endpoint]!;
  const sink: Sink = o.registry.get(destEndpoint.kind).createSink!({
    endpointName: config.destination.endpoint,
    endpoint: destEndpoint,
    topic: config.destination.topic,
  }, o.context);
  const source: Source = o.registry.get(sourceEndpoint.kind).createSource!({
    endpointName: config.source.endpoint,
    endpoint: sourceEndpoint,
    topics: config.source.topics,
    ...(config.source.sharedGroup ? { sharedGroup: config.source.sharedGroup } : {}),
    node: `weir-${name}`,
  }, o.context);
  const forwarder = new Forwarder({ queue, destination: name, sink, log, metrics, labels });

  // Appends, waiting for the forwarder to make room while a reject-new queue is full.
  const append = async (messages: QueueMessage[]) => {
    for (;;) {
      try {
        queue.append(messages);
        forwarder.notify();
        return;
      } catch (error) {
        if (!(error instanceof QueueFullError) || error.reason !== "full") throw error;
        await Promise.race([forwarder.acked(), new Promise((r) => setTimeout(r, 1000))]);
      }
    }
  };
  const side = {
    deadLetter: (e: DeadLetter) => {
      metrics.add("weir_dead_letters_total", 1, { ...labels, operation: e.operation });
      log.log("warn", "record dead-lettered", { operation: e.operation, reason: e.reason });
      queue.append([deadLetterMessage(name, "dead-letter", e)]);
    },
    late: (e: LateRecord) => {
      metrics.add("weir_late_records_total", 1, { ...labels, operation: e.operation });
      queue.append([deadLetterMessage(name, "late", e)]);
    },
  };

  let flow: Dataflow | undefined;
  let store: StateStore | undefined;
  if (config.graph) {
    const graph = await loadGraphFile(config.graph.file);
    const sinkNames = graph.operations.filter((op) => op.operationType === "sink").map((op) =>
      op.name
    );
    const acks = new AckTracker(sinkNames);
    store = new StateStore(o.statePath);
    const logic = await graphOperators(graph, {
      modulesDir: o.modulesDir,
      config: new Map(Object.entries(config.configuration)),
      cacheDir: o.cacheDir,
      log,
      metrics,
      stateStore: store,
      statePath: o.statePath,
    });
    const writer = (sinkName: string): SinkWriter => {
      // A deterministic id per output: the same input gives the same ids after a crash.
      let lastTime: Hlc | undefined;
      let n = 0;
      const idOf = (r: Rec) => {
        if (
          lastTime && lastTime.ms === r.time.ms && lastTime.counter === r.time.counter &&
          lastTime.node === r.time.node
        ) n++;
        else n = 0;
        lastTime = r.time;
        return `${name}/${sinkName}/${formatHlc(r.time)}/${n}`;
      };
      return {
        write: async (batch) => {
          const messages: QueueMessage[] = [];
          for (const r of batch) {
            const id = idOf(r);
            try {
              messages.push({ destination: name, id, ...sink.encode(r, id) });
            } catch (error) {
              side.deadLetter({ operation: sinkName, record: r, reason: (error as Error).message });
            }
          }
          if (messages.length > 0) await append(messages);
        },
        progress: (frontier) => acks.progress(sinkName, frontier),
      };
    };
    flow = await Dataflow.start(graph, {
      logic,
      sink: (op) => writer(op.name),
      side,
      clock: systemClock,
      idleMs: o.idleMs ?? config.timing.idleMs,
      latenessMs: config.timing.latenessMs,
    });
    const running = flow;
    await source.start(async (batch) => {
      await running.push(batch.records);
      batch.records.forEach((r, i) => acks.add(r.time, batch.acks[i]!));
    });
  } else {
    let n = 0;
    await source.start(async (batch) => {
      const messages = batch.records.map((r) => {
        const id = `${name}/bridge/${formatHlc(r.time)}/${n++}`;
        return { destination: name, id, ...sink.encode(r, id) };
      });
      await append(messages);
      batch.ackAll();
    });
  }
  forwarder.start();
  log.log("info", "dataflow started", {
    topics: config.source.topics,
    graph: config.graph?.file ?? null,
  });

  return {
    name,
    flow,
    forwarder,
    stop: async () => {
      await source.close();
      // Open windows are not flushed: their messages are unacknowledged and come back after a restart.
      await flow?.stop();
      await forwarder.stop();
      await sink.close();
      store?.close();
    },
  };
}
