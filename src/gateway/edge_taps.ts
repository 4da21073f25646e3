/**
 * Watching the records that cross an edge of a running graph: a sample of
 * them (at most a few a second per watcher, the rest counted), each with its
 * time, topic, properties and the start of its payload. A dataflow carries a
 * tap only while someone watches one of its edges, so an unwatched graph
 * pays one check per batch sent.
 *
 * @module
 */
import { formatHlc, WeirError } from "../base/mod.ts";
import type { Rec } from "../engine/mod.ts";
import type { TapSample } from "./control.ts";
import { payloadPreview } from "./dead_letter_view.ts";
import type { DataflowHost } from "./dataflow_host.ts";

interface Watcher {
  readonly from: string;
  readonly to: string;
  readonly listener: (sample: TapSample) => void;
  readonly perSecond: number;
  /** Samples it may still show now (a token bucket refilled at `perSecond`). */
  tokens: number;
  refilledAt: number;
  skipped: number;
}

/** The sample shown for one record. */
function sampleOf(dataflow: string, w: Watcher, record: Rec): TapSample {
  const base = {
    dataflow,
    from: w.from,
    to: w.to,
    at: new Date().toISOString(),
    ts: formatHlc(record.time),
    skipped: w.skipped,
  };
  const d = record.data;
  switch (d.kind) {
    case "message":
      return {
        ...base,
        dataKind: "message",
        topic: new TextDecoder().decode(d.topic),
        ...(d.contentType === null ? {} : { contentType: d.contentType }),
        properties: d.userProperties,
        payloadBytes: d.payload.byteLength,
        preview: payloadPreview(d.payload, { maxChars: 600, compact: true }),
      };
    case "snapshot":
      return {
        ...base,
        dataKind: "snapshot",
        properties: [],
        payloadBytes: d.frame.byteLength,
        preview: { as: "text", text: `${d.format} ${d.width}×${d.height}`, truncated: false },
      };
    case "bytes":
      return {
        ...base,
        dataKind: "bytes",
        properties: [],
        payloadBytes: d.bytes.byteLength,
        preview: payloadPreview(d.bytes, { as: "hex", maxChars: 600 }),
      };
  }
}

/** The watchers of every dataflow's edges. */
export class EdgeTaps {
  readonly #watchers = new Map<DataflowHost, Set<Watcher>>();
  readonly #now: () => number;

  /** Taps timed by `now`. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Shows records crossing `from` → `to` of `host`'s serving version to
   * `listener`, at most `perSecond` a second; returns the function that stops it.
   *
   * @throws {WeirError} `not_found` when the serving version has no such edge.
   */
  watch(
    host: DataflowHost,
    edge: { readonly from: string; readonly to: string },
    listener: (sample: TapSample) => void,
    perSecond = 4,
  ): () => void {
    const graph = host.current?.version.graph;
    if (graph === undefined) {
      throw new WeirError("not_found", `Dataflow "${host.name}" has no graph to watch`);
    }
    if (!graph.connections.some((c) => c.from === edge.from && c.to === edge.to)) {
      throw new WeirError(
        "not_found",
        `Dataflow "${host.name}" has no edge from "${edge.from}" to "${edge.to}"`,
      );
    }
    const rate = Math.min(Math.max(perSecond, 0.1), 50);
    const watcher: Watcher = {
      ...edge,
      listener,
      perSecond: rate,
      tokens: rate,
      refilledAt: this.#now(),
      skipped: 0,
    };
    let set = this.#watchers.get(host);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(host, set);
      const watchers = set;
      host.setTap((from, to, batch) => this.#seen(host.name, watchers, from, to, batch));
    }
    set.add(watcher);
    return () => {
      const watchers = this.#watchers.get(host);
      if (!watchers?.delete(watcher) || watchers.size > 0) return;
      this.#watchers.delete(host);
      host.setTap(undefined);
    };
  }

  #seen(
    dataflow: string,
    watchers: ReadonlySet<Watcher>,
    from: string,
    to: string,
    batch: readonly Rec[],
  ): void {
    for (const w of watchers) {
      if (w.from !== from || w.to !== to) continue;
      const now = this.#now();
      w.tokens = Math.min(w.perSecond, w.tokens + ((now - w.refilledAt) / 1000) * w.perSecond);
      w.refilledAt = now;
      for (const record of batch) {
        if (w.tokens < 1) {
          w.skipped++;
          continue;
        }
        w.tokens--;
        try {
          w.listener(sampleOf(dataflow, w, record));
        } finally {
          w.skipped = 0;
        }
      }
    }
  }
}
