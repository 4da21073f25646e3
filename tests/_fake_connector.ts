/**
 * A connector for gateway tests without a broker: the test hands batches to
 * the source with acknowledgement spies, and the sink keeps what it was sent.
 * Lets a test drive `DataflowHost` and see, message by message, whether
 * each acknowledgement was released.
 *
 * @module
 */
import { dataTimestampOf, type Hlc, hlc, type Message } from "../src/base/mod.ts";
import {
  ConnectionPool,
  type ConnectorContext,
  ConnectorRegistry,
  encodeRecord,
  type OutboundMessage,
  type Sink,
  type Source,
  type SourceHandler,
} from "../src/connectors/mod.ts";
import type { DataflowConfig, EndpointConfig } from "../src/config/mod.ts";
import type { Rec } from "../src/engine/mod.ts";
import { Metrics, silentLogger } from "../src/telemetry/mod.ts";

const enc = new TextEncoder();

/** A source the test feeds. */
export class FakeSource implements Source {
  #handler: SourceHandler | undefined;
  #chain: Promise<void> = Promise.resolve();
  buffered = 0;

  start(handler: SourceHandler): Promise<void> {
    this.#handler = handler;
    return Promise.resolve();
  }

  close(): Promise<void> {
    return this.#chain;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Hands a batch to the dataflow, as the MQTT source would: batches one after
   * another, and a throwing handler's batch acknowledged anyway (see source.ts).
   */
  push(records: Rec[]): AckSpy[] {
    const spies = records.map(() => new AckSpy());
    this.#chain = this.#chain.then(async () => {
      const batch = {
        records,
        acks: spies.map((s) => s.ack),
        ackAll: () => spies.forEach((s) => s.ack()),
      };
      try {
        await this.#handler!(batch);
      } catch {
        batch.ackAll();
      }
    });
    return spies;
  }
}

/** Records whether (and how often) an acknowledgement was released. */
export class AckSpy {
  calls = 0;
  readonly ack = (): void => void this.calls++;
  get released(): boolean {
    return this.calls > 0;
  }
}

/** A sink that keeps the messages sent to it; `failing` makes sends throw. */
export class FakeSink implements Sink {
  readonly sent: OutboundMessage[] = [];
  failing = false;
  readonly #topic: string;

  constructor(topic: string) {
    this.#topic = topic;
  }

  encode(record: Rec, id?: string): OutboundMessage {
    return encodeRecord(record, this.#topic, id);
  }

  send(messages: readonly OutboundMessage[]): Promise<void> {
    if (this.failing) return Promise.reject(new Error("destination down"));
    this.sent.push(...messages);
    return Promise.resolve();
  }

  async write(batch: readonly Rec[]): Promise<void> {
    await this.send(batch.map((r) => this.encode(r)));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A registry with the fake kind, and the source and sink it made last. */
export function fakeConnector(): {
  registry: ConnectorRegistry;
  source: () => FakeSource;
  sink: () => FakeSink;
  endpoint: EndpointConfig;
  context: ConnectorContext;
} {
  let source: FakeSource | undefined;
  let sink: FakeSink | undefined;
  const registry = new ConnectorRegistry([{
    kind: "fake",
    summary: "test connector",
    createSource: () => (source = new FakeSource()),
    createSink: (settings) => (sink = new FakeSink(settings.topic)),
  }]);
  return {
    registry,
    source: () => source!,
    sink: () => sink!,
    endpoint: { kind: "fake" } as unknown as EndpointConfig,
    context: { logger: silentLogger, metrics: new Metrics(), connections: new ConnectionPool() },
  };
}

/** A dataflow configuration between the fake endpoints. */
export function fakeDataflow(graphFile?: string): DataflowConfig {
  return {
    source: { endpoint: "in", topics: ["t/#"] },
    ...(graphFile === undefined ? {} : { graph: { file: graphFile } }),
    configuration: {},
    timing: { idleMs: 200, latenessMs: 0, maxClockDriftMs: 60_000 },
    destination: { endpoint: "out", topic: "out/${outputTopic}" },
  };
}

/** A message record with a text payload at `ms`. */
export function textRecord(payload: string, ms: number, counter = 0): Rec {
  const time: Hlc = hlc(ms, counter, "dev");
  const data: Message = {
    kind: "message",
    timestamp: dataTimestampOf(time),
    topic: enc.encode("t/x"),
    contentType: null,
    payload: enc.encode(payload),
    userProperties: [],
    schema: null,
  };
  return { time, data };
}
