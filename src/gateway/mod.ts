/**
 * Composition: wires graphs, the WebAssembly host, the engine, the connectors,
 * the queue and the registries together. The live gateway (dataflow hosts,
 * graph versions, deploys, the outbound writer and forwarder) and the offline
 * runner of `weir graph test` both live here.
 *
 * @module
 */
export * from "./configuration.ts";
export * from "./config_files.ts";
export * from "./jsonl_records.ts";
export * from "./module_ref.ts";
export * from "./graph_ref.ts";
export * from "./offline_runner.ts";
export * from "./ack_tracker.ts";
export * from "./graph_operators.ts";
export * from "./nn_link.ts";
export * from "./forwarder.ts";
export * from "./outbound_writer.ts";
export * from "./dead_letters.ts";
export * from "./gateway.ts";
export * from "./dataflow_host.ts";
export * from "./dataflow_outputs.ts";
export * from "./version_set.ts";
export * from "./embedded_default.ts";
export * from "./control.ts";
export * from "./event_hub.ts";
export * from "./deployments.ts";
export * from "./graph_runtime.ts";
export * from "./gateway_control.ts";
export * from "./uploaded_graphs.ts";
export * from "./state_dir.ts";
export * from "./gateway_metrics.ts";
export * from "./dead_letter_view.ts";
export * from "./dead_letter_desk.ts";
export * from "./edge_taps.ts";
export * from "./trends.ts";
export * from "./reload.ts";
