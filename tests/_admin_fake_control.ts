/**
 * A fake {@linkcode GatewayControl} for the admin tests: two dataflows
 * (`ovens` with a branching graph, `bridge` without one), versions that
 * deploy with progress and roll back, counters that move on `tick()`, and an
 * event ring. It records every call so tests can check what the API asked.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { WeirError } from "../src/base/mod.ts";
import {
  type DataflowStatus,
  type DeadLetterDetail,
  type DeadLetterPage,
  type DeadLetterQuery,
  type DeployProgress,
  type DeployRequest,
  type DeployResult,
  type EndpointStatus,
  type GatewayControl,
  type GatewayEvent,
  type GraphDrawing,
  type GraphVersion,
  type ModuleInfo,
  payloadPreview,
  type PreviewFormat,
  type QueueSummary,
  type ReplayResult,
  type TapSample,
  TrendRecorder,
  type TrendSeries,
} from "../src/gateway/mod.ts";

type Counters = DataflowStatus["stats"][string];

/** The graph of `ovens` v1: source → branch → (True) map / (False) filter → sink. */
export const OVENS_GRAPH: GraphDrawing = {
  operations: [
    { name: "source", type: "source" },
    { name: "hot?", type: "branch", module: "threshold:1.0.0" },
    { name: "to-celsius", type: "map", module: "temperature:1.0.0" },
    { name: "drop-noise", type: "filter", module: "filter:1.0.0" },
    { name: "sink", type: "sink" },
  ],
  connections: [
    { from: "source", to: "hot?" },
    { from: "hot?", to: "to-celsius", arm: "True" },
    { from: "hot?", to: "drop-noise", arm: "False" },
    { from: "to-celsius", to: "sink" },
    { from: "drop-noise", to: "sink" },
  ],
};

/** The graph a deploy by reference brings: source → map → sink. */
export const SIMPLE_GRAPH: GraphDrawing = {
  operations: [
    { name: "source", type: "source" },
    { name: "module-temperature/map", type: "map", module: "temperature:1.0.0" },
    { name: "sink", type: "sink" },
  ],
  connections: [
    { from: "source", to: "module-temperature/map" },
    { from: "module-temperature/map", to: "sink" },
  ],
};

function digestOf(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

function zero(): Counters {
  return { recordsIn: 0, recordsOut: 0, dropped: 0, late: 0, deadLettered: 0, batches: 0 };
}

interface Flow {
  name: string;
  state: DataflowStatus["state"];
  current?: GraphVersion;
  previous?: GraphVersion;
  deploying?: DeployProgress["phase"];
  stats: Record<string, Counters>;
  nextId: number;
  watch?: { ref: string; intervalSeconds: number };
}

/** Options for {@linkcode FakeControl}. */
export interface FakeControlOptions {
  /** Pause between deploy phases, so progress can be watched. @default 0 */
  readonly phaseDelayMs?: number;
}

/** The fake control. */
export class FakeControl implements GatewayControl {
  readonly calls: string[] = [];
  readonly #flows = new Map<string, Flow>();
  readonly #ring: GatewayEvent[] = [];
  readonly #listeners = new Set<(e: GatewayEvent) => void>();
  readonly #phaseDelayMs: number;
  /** Dead letters kept, oldest first. */
  readonly #dead: DeadLetterDetail[] = [];
  readonly #taps = new Set<
    { edge: { from: string; to: string }; listener: (s: TapSample) => void }
  >();
  readonly #trends = new TrendRecorder(() => ({
    recordsIn: new Map(
      [...this.#flows.values()].flatMap((f) =>
        Object.entries(f.stats).map(([op, c]) => [`${f.name}/${op}`, c.recordsIn] as const)
      ),
    ),
    latency: { bounds: [1, 5, 10], buckets: [this.#ticks % 3, 2, 1, 0] },
    queueDepth: 3 + (this.#ticks % 5),
    deadLetters: this.#dead.length,
  }), { intervalMs: 1000 });
  #ticks = 0;

  constructor(options: FakeControlOptions = {}) {
    this.#phaseDelayMs = options.phaseDelayMs ?? 0;
    const v1 = this.#version(1, "config", OVENS_GRAPH, { temperature_lower_bound: "-40" });
    this.#flows.set("ovens", {
      name: "ovens",
      state: "running",
      current: v1,
      stats: Object.fromEntries(OVENS_GRAPH.operations.map((o) => [o.name, zero()])),
      nextId: 2,
    });
    this.#flows.set("bridge", { name: "bridge", state: "running", stats: {}, nextId: 1 });
    this.emit({ kind: "log", dataflow: "ovens", data: { level: "info", msg: "dataflow started" } });
    this.emit({
      kind: "dead-letter",
      dataflow: "ovens",
      data: { operation: "to-celsius", reason: "not a number: hot", topic: "sensors/oven" },
    });
    this.addDeadLetter("ovens", "to-celsius", "not a number: hot", "sensors/oven", "hot");
  }

  /** Keeps a dead letter as the gateway would. */
  addDeadLetter(
    dataflow: string,
    operation: string,
    reason: string,
    topic: string,
    payload: string,
  ): void {
    const bytes = new TextEncoder().encode(payload);
    const seq = (this.#dead.at(-1)?.seq ?? 0) + 1;
    this.#dead.push({
      seq,
      at: new Date().toISOString(),
      dataflow,
      kind: "dead-letter",
      operation,
      reason,
      ts: `${1_700_000_000_000 + seq}:0:dev`,
      topic,
      properties: [["site", "7"]],
      payloadBytes: bytes.byteLength,
      replayable: true,
      preview: payloadPreview(bytes, { maxChars: 200 }),
      payloadBase64: Buffer.from(bytes).toString("base64"),
    });
  }

  #matching(query: DeadLetterQuery): DeadLetterDetail[] {
    return this.#dead.filter((d) =>
      (query.dataflow === undefined || d.dataflow === query.dataflow) &&
      (query.operation === undefined || d.operation === query.operation) &&
      (query.reason === undefined ||
        (d.reason ?? "").toLowerCase().includes(query.reason.toLowerCase())) &&
      (query.seqs === undefined || query.seqs.includes(d.seq)) &&
      (query.before === undefined || d.seq < query.before)
    );
  }

  #version(
    id: number,
    origin: GraphVersion["origin"],
    graph: GraphDrawing,
    configuration: Record<string, string>,
    ref?: string,
  ): GraphVersion {
    const modules = graph.operations.filter((o) => o.module !== undefined).map((o) => ({
      name: o.module!.split(":")[0]!,
      ref: o.module!,
      digest: digestOf(o.module!),
      size: 1000 + o.module!.length,
      ...(ref === undefined ? {} : { pulledFrom: ref.replace(/:[^:/]+$/, `/${o.module}`) }),
    }));
    return {
      id,
      origin,
      ...(ref === undefined ? {} : { ref }),
      digest: digestOf(`${id}${ref ?? ""}`),
      graphName: graph === OVENS_GRAPH ? "Ovens" : "Simple",
      loadedAt: new Date().toISOString(),
      configuration,
      modules,
      graph,
    };
  }

  #flow(name: string): Flow {
    const flow = this.#flows.get(name);
    if (flow === undefined) throw new WeirError("not_found", `Dataflow "${name}" does not exist`);
    return flow;
  }

  #status(flow: Flow): DataflowStatus {
    return {
      name: flow.name,
      state: flow.state,
      source: { endpoint: "local", topics: ["sensors/#"] },
      destination: { endpoint: "local", topic: `processed/${flow.name}` },
      ...(flow.current === undefined ? {} : { current: flow.current }),
      ...(flow.previous === undefined ? {} : { previous: flow.previous }),
      draining: 0,
      ...(flow.deploying === undefined ? {} : { deploying: flow.deploying }),
      stats: flow.stats,
      queued: 3,
      // "ovens" reads like a Kafka source (it knows its lag), "bridge" like an MQTT one.
      ...(flow.name === "ovens" ? { sourceLag: 42 } : {}),
      deadLetters: this.#dead.filter((d) => d.dataflow === flow.name).length,
      servedFrom: (flow.current?.id ?? 1) === 1 ? "configuration" : "saved-deployment",
      ...(flow.watch === undefined ? {} : { watch: flow.watch }),
    };
  }

  /** Publishes an event to the ring and the listeners. */
  emit(event: Omit<GatewayEvent, "ts">): void {
    const full: GatewayEvent = { ts: new Date().toISOString(), ...event };
    this.#ring.push(full);
    if (this.#ring.length > 200) this.#ring.shift();
    for (const listener of this.#listeners) listener(full);
  }

  /** Moves every running dataflow's counters on by `n` records per operation. */
  tick(n = 10): void {
    this.#ticks++;
    for (const flow of this.#flows.values()) {
      if (flow.state !== "running") continue;
      for (const counters of Object.values(flow.stats)) {
        counters.recordsIn += n;
        counters.recordsOut += n;
        counters.batches += 1;
      }
    }
    for (const { edge, listener } of this.#taps) {
      const text = JSON.stringify({ temperature: { value: this.#ticks, unit: "F" } });
      listener({
        dataflow: "ovens",
        ...edge,
        at: new Date().toISOString(),
        ts: `${1_700_000_000_000 + this.#ticks}:0:dev`,
        dataKind: "message",
        topic: "sensors/oven",
        properties: [["site", "7"]],
        payloadBytes: text.length,
        preview: payloadPreview(new TextEncoder().encode(text)),
        skipped: n - 1,
      });
    }
  }

  /** Takes a trend point now (the fake's clock is the test's). */
  sampleTrends(): void {
    this.#trends.sample();
  }

  /** How many live subscribers there are. */
  get subscribers(): number {
    return this.#listeners.size;
  }

  /** Endpoint states the fake reports; tests set them. */
  endpointStates: EndpointStatus[] = [
    { name: "local", up: true, since: "2026-01-01T00:00:00.000Z" },
  ];

  endpoints(): EndpointStatus[] {
    return this.endpointStates;
  }

  dataflows(): DataflowStatus[] {
    this.calls.push("dataflows");
    return [...this.#flows.values()].map((f) => this.#status(f));
  }

  dataflow(name: string): DataflowStatus | undefined {
    const flow = this.#flows.get(name);
    return flow === undefined ? undefined : this.#status(flow);
  }

  async deploy(
    name: string,
    request: DeployRequest,
    onProgress?: (p: DeployProgress) => void,
  ): Promise<DeployResult> {
    this.calls.push(`deploy ${name} ${JSON.stringify(request)}`);
    const flow = this.#flow(name);
    if (flow.deploying !== undefined) {
      throw new WeirError("conflict", `Dataflow "${name}" is deploying already`);
    }
    const started = Date.now();
    const step = async (p: DeployProgress) => {
      flow.deploying = p.phase;
      onProgress?.(p);
      if (this.#phaseDelayMs > 0) await new Promise((r) => setTimeout(r, this.#phaseDelayMs));
    };
    try {
      if (request.ref !== undefined) {
        await step({ phase: "pull", doneBytes: 0, totalBytes: 2048 });
        await step({ phase: "pull", doneBytes: 2048, totalBytes: 2048 });
      }
      await step({ phase: "load" });
      if (request.yaml?.includes("invalid")) {
        throw new WeirError("graph_invalid", "Graph YAML is invalid: operations is missing");
      }
      await step({ phase: "init" });
      if (request.ref?.includes("broken")) {
        throw new WeirError("module_init_failed", 'Module "broken" refused its configuration');
      }
      if (request.ref?.includes("explode")) throw new Error("secret internal detail");
      await step({ phase: "switch" });
      const graph = request.yaml !== undefined || request.ref !== undefined
        ? SIMPLE_GRAPH
        : flow.current?.graph ?? SIMPLE_GRAPH;
      const version = this.#version(
        flow.nextId++,
        request.ref !== undefined
          ? "oci"
          : request.yaml !== undefined
          ? "upload"
          : (flow.current?.origin ?? "upload"),
        graph,
        { ...(request.configuration ?? flow.current?.configuration ?? {}) },
        request.ref ?? (request.yaml === undefined ? flow.current?.ref : undefined),
      );
      if (flow.current !== undefined) flow.previous = flow.current;
      flow.current = version;
      flow.stats = Object.fromEntries(graph.operations.map((o) => [o.name, zero()]));
      if (request.watchSeconds !== undefined && request.ref !== undefined) {
        if (request.watchSeconds === 0) delete flow.watch;
        else flow.watch = { ref: request.ref, intervalSeconds: request.watchSeconds };
      }
      onProgress?.({ phase: "done" });
      this.emit({ kind: "deploy", dataflow: name, data: { phase: "done", version: version.id } });
      return { version, switchMs: 2, totalMs: Date.now() - started };
    } finally {
      delete flow.deploying;
    }
  }

  rollback(name: string): Promise<DeployResult> {
    this.calls.push(`rollback ${name}`);
    const flow = this.#flow(name);
    if (flow.previous === undefined || flow.current === undefined) {
      return Promise.reject(
        new WeirError("conflict", `Dataflow "${name}" has no previous version to roll back to`),
      );
    }
    [flow.current, flow.previous] = [flow.previous, flow.current];
    flow.stats = Object.fromEntries(flow.current.graph.operations.map((o) => [o.name, zero()]));
    this.emit({
      kind: "deploy",
      dataflow: name,
      data: { phase: "rollback", version: flow.current.id },
    });
    return Promise.resolve({ version: flow.current, switchMs: 1, totalMs: 3 });
  }

  stop(name: string): Promise<void> {
    this.calls.push(`stop ${name}`);
    this.#flow(name).state = "stopped";
    this.emit({ kind: "state", dataflow: name, data: { state: "stopped" } });
    return Promise.resolve();
  }

  start(name: string): Promise<void> {
    this.calls.push(`start ${name}`);
    this.#flow(name).state = "running";
    this.emit({ kind: "state", dataflow: name, data: { state: "running" } });
    return Promise.resolve();
  }

  modules(): ModuleInfo[] {
    const byDigest = new Map<
      string,
      ModuleInfo & { usedBy: { dataflow: string; version: number }[] }
    >();
    for (const flow of this.#flows.values()) {
      for (const v of [flow.current, flow.previous]) {
        for (const m of v?.modules ?? []) {
          const entry = byDigest.get(m.digest) ?? { ...m, usedBy: [] };
          entry.usedBy.push({ dataflow: flow.name, version: v!.id });
          byDigest.set(m.digest, entry);
        }
      }
    }
    return [...byDigest.values()];
  }

  recentEvents(kind?: GatewayEvent["kind"], limit = 100): GatewayEvent[] {
    return this.#ring.filter((e) => kind === undefined || e.kind === kind).slice(-limit);
  }

  subscribe(listener: (event: GatewayEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  deadLetters(query: DeadLetterQuery = {}): DeadLetterPage {
    this.calls.push(`deadLetters ${JSON.stringify(query)}`);
    const all = this.#matching(query).reverse();
    const limit = query.limit ?? 50;
    const page = all.slice(0, limit).map(({ payloadBase64: _, ...entry }) => entry);
    return {
      deadLetters: page,
      ...(all.length > limit ? { next: page.at(-1)!.seq } : {}),
      total: all.length,
    };
  }

  deadLetter(seq: number, as?: PreviewFormat): DeadLetterDetail | undefined {
    const found = this.#dead.find((d) => d.seq === seq);
    if (found === undefined || as === undefined) return found;
    const bytes = new Uint8Array(Buffer.from(found.payloadBase64!, "base64"));
    return { ...found, preview: payloadPreview(bytes, { as }) };
  }

  *exportDeadLetters(query: DeadLetterQuery = {}): Iterable<string> {
    for (const d of this.#matching(query)) {
      yield JSON.stringify({
        topic: d.topic,
        payload: Buffer.from(d.payloadBase64!, "base64").toString(),
        ts: d.ts,
        properties: d.properties,
      });
    }
  }

  replayDeadLetters(query: DeadLetterQuery): Promise<ReplayResult> {
    this.calls.push(`replay ${JSON.stringify(query)}`);
    const chosen = this.#matching(query);
    for (const d of chosen) this.#dead.splice(this.#dead.indexOf(d), 1);
    return Promise.resolve({ replayed: chosen.length, handled: chosen.length, skipped: [] });
  }

  purgeDeadLetters(query: DeadLetterQuery): number {
    this.calls.push(`purge ${JSON.stringify(query)}`);
    const chosen = this.#matching(query);
    for (const d of chosen) this.#dead.splice(this.#dead.indexOf(d), 1);
    return chosen.length;
  }

  queue(): QueueSummary {
    const bytes = this.#dead.reduce((n, d) => n + d.payloadBytes + 200, 0);
    return {
      outputs: { count: 3, bytes: 300 },
      deadLetters: { count: this.#dead.length, bytes },
      deadLettersDropped: 0,
    };
  }

  trends(): TrendSeries {
    return this.#trends.series();
  }

  tap(
    dataflow: string,
    edge: { readonly from: string; readonly to: string },
    listener: (sample: TapSample) => void,
  ): () => void {
    const graph = this.#flow(dataflow).current?.graph;
    if (!graph?.connections.some((c) => c.from === edge.from && c.to === edge.to)) {
      throw new WeirError("not_found", `Dataflow "${dataflow}" has no edge from "${edge.from}"`);
    }
    const tap = { edge: { from: edge.from, to: edge.to }, listener };
    this.#taps.add(tap);
    return () => this.#taps.delete(tap);
  }
}
