/**
 * Where a dataflow's records end up besides its results: dead letters and
 * late records (the engine's side outputs), whole batches no graph could take
 * (the graph failed), and records of a plain bridge. All go through the
 * dataflow's one {@linkcode OutboundWriter}.
 *
 * @module
 */
import { formatHlc } from "../base/mod.ts";
import { OUTPUT_TOPIC } from "../config/mod.ts";
import type { Sink, SourceBatch } from "../connectors/mod.ts";
import type { DeadLetter, LateRecord, Rec, SideOutputs } from "../engine/mod.ts";
import type { QueueMessage } from "../store/mod.ts";
import { type Logger, LogThrottle, type Metrics } from "../telemetry/mod.ts";
import { type DeadLetterKind, deadLetterMessage } from "./dead_letters.ts";
import type { EventHub } from "./event_hub.ts";
import type { OutboundWriter } from "./outbound_writer.ts";

/** What the outputs of one dataflow need. */
export interface DataflowOutputsOptions {
  readonly dataflow: string;
  readonly writer: OutboundWriter;
  readonly sink: Sink;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly events?: EventHub;
  /** Also queue each dead letter for this topic template (`deadLetter:` in the configuration). */
  readonly forward?: { readonly topic: string };
}

/** The queue destination of the dead letters a dataflow also publishes. */
export function deadLetterOutDestination(dataflow: string): string {
  return `dead-letter-out/${dataflow}`;
}

/** The side outputs, the failed-batch path and the bridge of one dataflow. */
export class DataflowOutputs implements Disposable {
  readonly side: SideOutputs;
  readonly #o: DataflowOutputsOptions;
  readonly #labels: Readonly<Record<string, string>>;
  /** A flood of bad input is one warning per operation and interval, with a count. */
  readonly #warnings: LogThrottle;
  #bridged = 0;

  /** Outputs writing through `options.writer`. */
  constructor(options: DataflowOutputsOptions) {
    this.#o = options;
    this.#labels = { dataflow: options.dataflow };
    const { metrics, log, events, dataflow } = options;
    this.#warnings = new LogThrottle(log);
    this.side = {
      deadLetter: (e) => {
        metrics.add("weir_dead_letters_total", 1, { ...this.#labels, operation: e.operation });
        this.#warnings.log(e.operation, "warn", "record dead-lettered", {
          operation: e.operation,
          reason: e.reason,
        });
        const data = e.record.data;
        events?.emit("dead-letter", {
          operation: e.operation,
          reason: e.reason,
          ts: formatHlc(e.record.time),
          ...(data.kind === "message" ? { topic: new TextDecoder().decode(data.topic) } : {}),
        }, dataflow);
        return this.#keep("dead-letter", e);
      },
      late: (e) => {
        metrics.add("weir_late_records_total", 1, { ...this.#labels, operation: e.operation });
        return this.#keep("late", e);
      },
    };
  }

  /** Source records no graph could take (it failed): dead letters with the reason, at once. */
  failed(records: readonly Rec[], error: unknown): Promise<void> | undefined {
    const reason = error instanceof Error ? error.message : String(error);
    this.#o.metrics.add("weir_dead_letters_total", records.length, {
      ...this.#labels,
      operation: "graph",
    });
    return this.#o.writer.write(
      records.flatMap((record) =>
        this.#messages("dead-letter", { operation: "graph", record, reason })
      ),
    );
  }

  /** A plain bridge: each record straight to the queue; one it cannot encode is dead-lettered. */
  bridge(batch: SourceBatch): Promise<unknown> | undefined {
    const messages: QueueMessage[] = [];
    const pending: Promise<void>[] = [];
    const { dataflow, sink } = this.#o;
    for (const r of batch.records) {
      const id = `${dataflow}/bridge/${formatHlc(r.time)}/${this.#bridged++}`;
      try {
        messages.push({ destination: dataflow, id, ...sink.encode(r, id) });
      } catch (error) {
        const w = this.side.deadLetter({ operation: "bridge", record: r, reason: String(error) });
        if (w) pending.push(w);
      }
    }
    const w = this.#o.writer.write(messages);
    if (w) pending.push(w);
    return pending.length === 0 ? undefined : Promise.all(pending);
  }

  /** Writes the warnings still counted. */
  close(): void {
    this.#warnings.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #keep(kind: DeadLetterKind, entry: DeadLetter | LateRecord): Promise<void> | undefined {
    return this.#o.writer.write(this.#messages(kind, entry));
  }

  /** The dead letter kept, and the copy to publish when the dataflow forwards them. */
  #messages(kind: DeadLetterKind, entry: DeadLetter | LateRecord): QueueMessage[] {
    const kept = deadLetterMessage(this.#o.dataflow, kind, entry);
    const forward = this.#o.forward;
    if (forward === undefined) return [kept];
    const data = entry.record.data;
    const topic = forward.topic.replaceAll(
      OUTPUT_TOPIC,
      data.kind === "message" ? new TextDecoder().decode(data.topic) : "",
    );
    // The copy is an output like any other: it waits in the queue while its broker is away.
    return [kept, {
      ...kept,
      destination: deadLetterOutDestination(this.#o.dataflow),
      topic,
      deadLetter: false,
    }];
  }
}
