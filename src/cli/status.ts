/**
 * `weir status`: what a running gateway is doing, from its admin API: each
 * dataflow's state, the version it serves and where that came from, its
 * route, rates, queue and dead letters; the endpoints up or down; the
 * queue as a whole.
 *
 * @module
 */
import type { HealthResponse } from "../admin/mod.ts";
import type {
  DataflowStatus,
  EndpointStatus,
  QueueSummary,
  ServedFrom,
  TrendSeries,
} from "../gateway/mod.ts";
import { ADMIN_FLAG_OPTIONS, ADMIN_FLAGS_HELP, adminClient } from "./admin_client.ts";
import { type Command, defineCommand } from "./command.ts";
import { formatBytes } from "./progress_line.ts";
import { describeVersion } from "./version_text.ts";

const SERVED: Record<ServedFrom, string> = {
  configuration: "from the configuration file",
  "embedded-default": "from the embedded default",
  "saved-deployment": "from a saved deployment",
};

/** The last value of a series, if it has one. */
function last(trends: TrendSeries, name: string): number | undefined {
  const values = trends.series[name];
  for (let i = (values?.length ?? 0) - 1; i >= 0; i--) {
    const v = values![i];
    if (v !== null && v !== undefined) return v;
  }
  return undefined;
}

function rates(d: DataflowStatus, trends: TrendSeries): string {
  const ops = d.current?.graph.operations ?? [];
  const sum = (type: string) => {
    const values = ops.filter((o) => o.type === type)
      .map((o) => last(trends, `rate/${d.name}/${o.name}`));
    return values.some((v) => v !== undefined)
      ? values.reduce<number>((a, v) => a + (v ?? 0), 0)
      : undefined;
  };
  const [input, output] = [sum("source"), sum("sink")];
  if (input === undefined && output === undefined) return "not measured yet";
  const f = (n: number | undefined) => (n ?? 0).toFixed(1);
  return `${f(input)} in/s, ${f(output)} out/s`;
}

function dataflowLines(d: DataflowStatus, trends: TrendSeries): string[] {
  const lines = [
    `${d.name}  ${d.state}  ${describeVersion(d.current)} ${SERVED[d.servedFrom]}`,
    `  route:         ${
      d.source.topics.join(", ")
    } on ${d.source.endpoint} → ${d.destination.topic} on ${d.destination.endpoint}`,
    `  rates:         ${rates(d, trends)}`,
    `  queued:        ${d.queued} output(s) waiting, ${d.deadLetters} dead letter(s)`,
  ];
  if (d.error !== undefined) lines.push(`  error:         ${d.error}`);
  if (d.previous !== undefined) lines.push(`  rollback to:   ${describeVersion(d.previous)}`);
  if (d.watch !== undefined) {
    lines.push(`  watching:      ${d.watch.ref} every ${d.watch.intervalSeconds} s`);
  }
  if (d.servedFrom === "saved-deployment") {
    lines.push(
      `  note:          a deployment saved in the data directory replaces the configured graph; ` +
        `weir deployments reset ${d.name} drops it (then restart)`,
    );
  }
  return lines;
}

/** Exit codes: 0 when the gateway answered, 1 when it did not, 2 on usage errors. */
export const statusCommand: Command = defineCommand({
  path: ["status"],
  usage: "status [--admin-url <url>] [--data-dir <dir> | --config <gateway.yaml>] [--json]",
  summary: "Show a running gateway: dataflows, versions and where they came from, endpoints, queue",
  flags: ADMIN_FLAGS_HELP,
  notes: ["Rates are the gateway's last trend point (every 10 s)."],
  options: ADMIN_FLAG_OPTIONS,
  positionals: false,
  run: async ({ values }, output) => {
    const client = await adminClient(values);
    const [health, { dataflows }, { endpoints }, queue, trends] = await Promise.all([
      client.json<HealthResponse>("GET", "/api/health"),
      client.json<{ dataflows: DataflowStatus[] }>("GET", "/api/dataflows"),
      client.json<{ endpoints: EndpointStatus[] }>("GET", "/api/endpoints"),
      client.json<QueueSummary>("GET", "/api/queue"),
      client.json<TrendSeries>("GET", "/api/trends"),
    ]);
    if (values.json) {
      output.out(JSON.stringify({ health, dataflows, endpoints, queue }));
      return;
    }
    const down = health.endpointsDown.length > 0
      ? `; down: ${health.endpointsDown.join(", ")}`
      : "";
    output.out(`Weir at ${client.url}: ${health.status}${down}`);
    output.out("");
    for (const d of dataflows) dataflowLines(d, trends).forEach((l) => output.out(l));
    if (dataflows.length === 0) output.out("no dataflows");
    output.out("");
    output.out("endpoints:");
    for (const e of endpoints) {
      output.out(
        `  ${e.name}  ${e.up ? "up" : "DOWN"} since ${e.since}${
          e.error === undefined ? "" : ` (${e.error})`
        }`,
      );
    }
    output.out(
      `queue: ${queue.outputs.count} output(s) waiting (${formatBytes(queue.outputs.bytes)}), ` +
        `${queue.deadLetters.count} dead letter(s) (${formatBytes(queue.deadLetters.bytes)})` +
        (queue.deadLettersDropped > 0 ? `, ${queue.deadLettersDropped} dropped for room` : ""),
    );
  },
});
