/**
 * A caller's link to the inference worker, and the blocking client over it.
 * The link is plain data (shared buffers and numbers), so it crosses into a
 * permission-less operator worker; the client works in any thread that may
 * block, including the gateway's own for in-thread modules.
 *
 * @module
 */
import { type NnLimits, sizeText } from "./limits.ts";
import { MailboxCaller } from "./mailbox.ts";
import { NnError } from "./nn_error.ts";
import type { NnReply, NnRequest } from "./protocol.ts";
import type { NamedTensor } from "./tensor.ts";

/** One caller's link: its mailbox, the worker's doorbell and the limits. */
export interface NnChannel {
  readonly id: number;
  readonly mailbox: SharedArrayBuffer;
  readonly doorbell: SharedArrayBuffer;
  readonly limits: NnLimits;
}

function value(reply: NnReply): NnReply & { ok: true } {
  if (!reply.ok) throw reply.error;
  return reply;
}

/** Synchronous wasi-nn calls over a channel; failures throw {@linkcode NnError}. */
export class NnClient {
  readonly #caller: MailboxCaller;
  readonly #limits: NnLimits;

  /** A client for `channel`. */
  constructor(channel: NnChannel) {
    this.#caller = new MailboxCaller(channel.mailbox, channel.doorbell);
    this.#limits = channel.limits;
  }

  #call(request: NnRequest, timeoutMs = this.#limits.loadTimeoutMs): NnReply & { ok: true } {
    return value(this.#caller.call(request, timeoutMs));
  }

  /** `graph.load`: a graph id. */
  load(builders: readonly Uint8Array[], encoding: string, target: string): number {
    const size = builders.reduce((n, b) => n + b.byteLength, 0);
    if (size > this.#limits.maxModelBytes) {
      // Refused before the bytes are copied anywhere.
      throw new NnError(
        "too-large",
        `The model is ${sizeText(size)}; this gateway loads models up to ${
          sizeText(this.#limits.maxModelBytes)
        } (ml.maxModelBytes)`,
      );
    }
    return this.#call({ op: "load", builders, encoding, target }).id!;
  }

  /** `graph.load-by-name`: a graph id. */
  loadByName(name: string): number {
    return this.#call({ op: "load-by-name", name }).id!;
  }

  /** `graph.init-execution-context`: a context id. */
  initContext(graph: number): number {
    return this.#call({ op: "init", graph }).id!;
  }

  /** `graph-execution-context.compute`: the outputs. */
  compute(context: number, inputs: readonly NamedTensor[]): NamedTensor[] {
    return this.#call({ op: "compute", context, inputs }, this.#limits.computeTimeoutMs).outputs!;
  }

  /** Releases a graph (its resource was dropped). */
  dropGraph(graph: number): void {
    this.#drop({ op: "drop-graph", graph });
  }

  /** Releases an execution context. */
  dropContext(context: number): void {
    this.#drop({ op: "drop-context", context });
  }

  #drop(request: NnRequest): void {
    try {
      this.#call(request, this.#limits.computeTimeoutMs);
    } catch {
      // Whatever is left is released when the channel closes.
    }
  }
}
