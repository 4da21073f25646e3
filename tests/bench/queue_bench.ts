/**
 * Store-and-forward queue throughput: each iteration appends N messages of
 * 100-byte payloads in batches (one transaction per batch), then drains them
 * with peek + ack in batches of the same size, so the time covers the whole
 * store-and-forward round trip. Rows/s = N / (time per iteration); N is in
 * the name (1,000 for batch 1, whose commits each wait for the disk, else
 * 10,000). Runs with `synchronous` FULL (the default: survives power loss)
 * and NORMAL.
 *
 * Run: deno task bench   (or: deno bench --allow-read --allow-write --allow-env tests/bench/queue_bench.ts)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OutboundQueue, type QueueMessage } from "../../src/store/mod.ts";

const ROWS = 10_000;
const ROWS_UNBATCHED = 1_000;
const payload = new Uint8Array(100).fill(0x61);
const properties = {
  contentType: "application/json",
  userProperties: [["__ts", "001758255553528:00000:weir"], ["site", "plant-7"]] as const,
};

function messages(): QueueMessage[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    destination: "cloud",
    topic: "plant/oven/temperature",
    payload,
    properties,
    id: `flow/map/${i}`,
  }));
}

const input = messages();
const dir = mkdtempSync(join(tmpdir(), "weir-queue-bench-"));
let opened = 0;

function run(queue: OutboundQueue, batch: number, rows: number): void {
  for (let i = 0; i < rows; i += batch) queue.append(input.slice(i, i + batch));
  for (let rows = queue.peek(batch); rows.length > 0; rows = queue.peek(batch)) {
    queue.ack(rows.map((r) => r.seq));
  }
}

for (const synchronous of ["full", "normal"] as const) {
  for (const batch of [1, 100, 1000]) {
    const queue = OutboundQueue.open(join(dir, `q${opened++}.db`), {
      maxBytes: 1 << 30,
      maxAgeSeconds: 3600,
      synchronous,
    });
    const rows = batch === 1 ? ROWS_UNBATCHED : ROWS;
    Deno.bench({
      name: `queue append+peek+ack ${rows} rows, batch ${batch}, synchronous ${synchronous}`,
      group: `batch ${batch}`,
      baseline: synchronous === "full",
      n: batch === 1 && synchronous === "full" ? 3 : 10,
      warmup: 1,
      fn: () => run(queue, batch, rows),
    });
  }
}

globalThis.addEventListener("unload", () => rmSync(dir, { recursive: true, force: true }));
