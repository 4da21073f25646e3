import assert from "node:assert/strict";
import { jsonLogger } from "../src/telemetry/mod.ts";

Deno.test("jsonLogger() writes one JSON object per line with scoped fields", () => {
  const lines: string[] = [];
  const log = jsonLogger({ write: (l) => lines.push(l), now: () => 0, level: "info" })
    .child({ graph: "g1" })
    .child({ operation: "map" });
  log.log("debug", "hidden");
  log.log("warn", "slow sink", { error: new Error("boom"), n: 1n });
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0]!), {
    ts: "1970-01-01T00:00:00.000Z",
    level: "warn",
    msg: "slow sink",
    graph: "g1",
    operation: "map",
    error: { name: "Error", message: "boom" },
    n: "1",
  });
});
