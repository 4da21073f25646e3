/**
 * The dataflow engine: timely-style progress over AIO graphs. Records carry
 * hybrid logical clocks; frontiers decide when accumulate windows close and
 * when delayed records move on; late records and failures go to side outputs.
 *
 * @example
 * ```ts ignore
 * const flow = await Dataflow.start(graph, { logic: (op) => myOperators(op), sink: () => writer });
 * await flow.push(records);
 * await flow.close();
 * ```
 *
 * @module
 */
export * from "./clock.ts";
export * from "./dataflow.ts";
export type { EdgeTap } from "./node.ts";
export * from "./operator.ts";
export * from "./record.ts";
export * from "./side_output.ts";
export * from "./stats.ts";
