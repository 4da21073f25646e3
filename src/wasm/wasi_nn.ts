/**
 * The `wasi:nn@0.2.0-rc-2024-10-28` imports for one module instance, keyed
 * as jco asks for them: the tensor, graph, execution-context and error
 * resources over a blocking {@linkcode NnClient}. They link for every module
 * that imports them; `load` and `load-by-name` answer `security` unless the
 * graph asked for the "wasi-nn" feature and the gateway allows it.
 *
 * @module
 */
import {
  type NamedTensor,
  type NnChannel,
  NnClient,
  NnError,
  type NnErrorCode,
  type TensorType,
} from "../nn/mod.ts";
import type { HostWait } from "./progress_slots.ts";

/** Whether a module may run inference, and why not. */
export type NnPolicy =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string };

/** What an operation's module gets for wasi-nn: the policy, and a channel when allowed. */
export interface NnLink {
  readonly policy: NnPolicy;
  readonly channel?: NnChannel;
  /**
   * Closes the channel and opens a new one, for a replacement worker: a worker that
   * overran its deadline may still be running (Deno cannot stop a thread that does not
   * return to its event loop), and must not share a mailbox with the one that replaces it.
   */
  readonly renew?: () => Promise<NnChannel>;
}

/** `wasi:nn/errors.error`. */
class ErrorResource {
  readonly #code: NnErrorCode;
  readonly #data: string;
  constructor(code: NnErrorCode, data: string) {
    this.#code = code;
    this.#data = data;
  }
  code(): NnErrorCode {
    return this.#code;
  }
  data(): string {
    return this.#data;
  }
}

/** `wasi:nn/tensor.tensor`: a value; it lives on this side until it is computed with. */
class TensorResource {
  readonly #dimensions: Uint32Array;
  readonly #type: TensorType;
  readonly #data: Uint8Array;
  constructor(dimensions: ArrayLike<number>, ty: TensorType, data: Uint8Array) {
    this.#dimensions = Uint32Array.from(dimensions);
    this.#type = ty;
    this.#data = data;
  }
  dimensions(): Uint32Array {
    return this.#dimensions;
  }
  ty(): TensorType {
    return this.#type;
  }
  data(): Uint8Array {
    return this.#data;
  }
}

type Result<T> = { tag: "ok"; val: T } | { tag: "err"; val: ErrorResource };

function failure(error: unknown): { tag: "err"; val: ErrorResource } {
  if (error instanceof NnError) {
    return { tag: "err", val: new ErrorResource(error.nnCode, error.message) };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { tag: "err", val: new ErrorResource("runtime-error", text) };
}

function attempt<T>(fn: () => T): Result<T> {
  try {
    return { tag: "ok", val: fn() };
  } catch (error) {
    return failure(error);
  }
}

/** The import object entries for `wasi:nn/*`. */
export function wasiNnImports(
  link: NnLink | undefined,
  hostWait?: HostWait,
): Record<string, Record<string, unknown>> {
  let client: NnClient | undefined;
  // The module is blocked while inference runs: that time is the host's, bounded by its limits.
  const blocking = <T>(call: () => T): T => hostWait ? hostWait.around(call) : call();
  const connect = (): NnClient => {
    const policy = link?.policy ?? {
      allowed: false,
      reason: "wasi-nn is not enabled on this gateway",
    };
    if (!policy.allowed) throw new NnError("security", policy.reason);
    if (!link?.channel) throw new NnError("security", "wasi-nn has no inference service here");
    client ??= new NnClient(link.channel);
    return client;
  };

  /** `wasi:nn/inference.graph-execution-context`. */
  class GraphExecutionContext {
    readonly #id: number;
    constructor(id: number) {
      this.#id = id;
    }
    compute(inputs: Array<[string, TensorResource]>): Result<Array<[string, TensorResource]>> {
      return attempt(() => {
        const named: NamedTensor[] = inputs.map(([name, t]) => ({
          name,
          tensor: { dimensions: Array.from(t.dimensions()), type: t.ty(), data: t.data() },
        }));
        return blocking(() => connect().compute(this.#id, named)).map(({ name, tensor }) =>
          [name, new TensorResource(tensor.dimensions, tensor.type, tensor.data)] as [
            string,
            TensorResource,
          ]
        );
      });
    }
    [Symbol.dispose](): void {
      const c = client;
      if (c) blocking(() => c.dropContext(this.#id));
    }
  }

  /** `wasi:nn/graph.graph`. */
  class Graph {
    readonly #id: number;
    constructor(id: number) {
      this.#id = id;
    }
    initExecutionContext(): Result<GraphExecutionContext> {
      return attempt(() =>
        new GraphExecutionContext(blocking(() => connect().initContext(this.#id)))
      );
    }
    [Symbol.dispose](): void {
      const c = client;
      if (c) blocking(() => c.dropGraph(this.#id));
    }
  }

  return {
    "wasi:nn/tensor": { Tensor: TensorResource },
    "wasi:nn/errors": { Error: ErrorResource },
    "wasi:nn/inference": { GraphExecutionContext },
    "wasi:nn/graph": {
      Graph,
      load: (builders: Uint8Array[], encoding: string, target: string): Result<Graph> =>
        attempt(() => new Graph(blocking(() => connect().load(builders, encoding, target)))),
      loadByName: (name: string): Result<Graph> =>
        attempt(() => new Graph(blocking(() => connect().loadByName(name)))),
    },
  };
}
