import assert from "node:assert/strict";
import { join } from "node:path";
import { startTaskFlags } from "./bench/e2e/weir_process.ts";
import { ROOT } from "./_samples.ts";

Deno.test("bench:e2e starts the gateway with the start task's flags, as plain words", () => {
  const flags = startTaskFlags();
  assert.deepEqual(flags.slice(0, 2), ["--config", join(ROOT, "deno.json")]);
  assert.ok(flags.includes("--allow-net=127.0.0.1"), flags.join(" "));
  assert.ok(
    flags.every((f) => f.startsWith("--") || f === join(ROOT, "deno.json")),
    flags.join(" "),
  );
  assert.ok(!flags.some((f) => /["$]/.test(f)), flags.join(" "));
});
