/**
 * wasi-nn for Weir (`wasi:nn@0.2.0-rc-2024-10-28`): ONNX models run by ONNX
 * Runtime (onnxruntime-node, else onnxruntime-web) in one inference worker.
 * Modules call it synchronously through a {@linkcode NnClient}, which blocks
 * its thread on a shared mailbox until the worker answers or the time limit
 * passes.
 *
 * @example
 * ```ts ignore
 * const service = new NnService({ models: { anomaly: "/models/anomaly.onnx" }, log });
 * const client = new NnClient(await service.openChannel());
 * const graph = client.loadByName("anomaly");
 * const outputs = client.compute(client.initContext(graph), [{ name: "X", tensor }]);
 * ```
 *
 * @module
 */
export * from "./backend.ts";
export * from "./channel.ts";
export { ENCODINGS, SESSION_OPTIONS } from "./inference_host.ts";
export * from "./limits.ts";
export { ModelSession } from "./model_session.ts";
export * from "./nn_error.ts";
export * from "./ort_convert.ts";
export * from "./service.ts";
export * from "./tensor.ts";
