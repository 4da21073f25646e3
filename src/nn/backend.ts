/**
 * Chooses the ONNX Runtime that runs wasi-nn models: onnxruntime-node (the
 * native CPU build; needs FFI permission to load its addon) and, when that
 * cannot load, onnxruntime-web (WebAssembly, single thread; slower, needs no
 * FFI). The choice and the reason for a fallback are reported, not hidden.
 *
 * @module
 */

/** The few ONNX Runtime tensor members Weir uses. */
export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/** Input or output metadata of a session. */
export interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  /** Fixed sizes as numbers, symbolic ones as their names. */
  readonly shape?: ReadonlyArray<number | string>;
}

/** The few ONNX Runtime session members Weir uses. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly OrtValueMetadata[];
  readonly outputMetadata: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** What both ONNX Runtime packages export and Weir uses. */
export interface OrtModule {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession>;
  };
  readonly Tensor: new (type: string, data: unknown, dims: readonly number[]) => OrtTensor;
  readonly env?: { wasm?: { numThreads?: number } };
}

/** Which package runs the models. */
export type BackendName = "onnxruntime-node" | "onnxruntime-web";

/** The chosen runtime. */
export interface Backend {
  readonly name: BackendName;
  readonly ort: OrtModule;
  /** Why onnxruntime-node was not used, when it was not. */
  readonly fallbackReason?: string;
}

/** Options for {@linkcode selectBackend}. */
export interface BackendOptions {
  /** "auto": node, else web. @default "auto" */
  readonly prefer?: "auto" | "node" | "web";
  /** Loads onnxruntime-node (replaceable in tests). */
  readonly importNode?: () => Promise<OrtModule>;
  /** Loads onnxruntime-web (replaceable in tests). */
  readonly importWeb?: () => Promise<OrtModule>;
}

async function importNodeRuntime(): Promise<OrtModule> {
  // onnxruntime-node 1.30's addon cannot read a Float16Array (it sees 0 bytes), and its
  // JavaScript side turns float16 data into one whenever the global exists: hide it, so
  // float16 tensors stay Uint16Arrays. Only the inference worker loads this.
  // deno-lint-ignore no-explicit-any
  delete (globalThis as any).Float16Array;
  const mod = await import("onnxruntime-node");
  return (mod.default ?? mod) as unknown as OrtModule;
}

async function importWebRuntime(): Promise<OrtModule> {
  const mod = await import("onnxruntime-web");
  const ort = (mod.default ?? mod) as unknown as OrtModule;
  // The threaded build would start its own web workers; one thread keeps it predictable.
  if (ort.env?.wasm) ort.env.wasm.numThreads = 1;
  return ort;
}

function reason(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split("\n")[0]!;
}

/** The native runtime when it loads (and `prefer` allows), else the WebAssembly one. */
export async function selectBackend(options: BackendOptions = {}): Promise<Backend> {
  const prefer = options.prefer ?? "auto";
  const importNode = options.importNode ?? importNodeRuntime;
  const importWeb = options.importWeb ?? importWebRuntime;
  let fallbackReason = "onnxruntime-web was asked for";
  if (prefer !== "web") {
    try {
      return { name: "onnxruntime-node", ort: await importNode() };
    } catch (error) {
      if (prefer === "node") throw error;
      fallbackReason = `onnxruntime-node did not load: ${reason(error)}`;
    }
  }
  return { name: "onnxruntime-web", ort: await importWeb(), fallbackReason };
}
