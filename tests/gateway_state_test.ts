/**
 * Each dataflow's state store is in a folder of its own, and its modules'
 * isolation workers may open that store's files and nothing else; a store in
 * the old place moves in on start; the `state:` quota of the configuration
 * holds in the workers.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import mqtt from "mqtt";
import { dataflowStatePath, parseConfig, startGateway } from "../src/gateway/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { StateStore, workerPermissions } from "../src/wasm/mod.ts";
import { MODULES_DIR, modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";

const quiet = jsonLogger({ level: "error", write: () => {} });
const enc = new TextEncoder();

/** What a worker with the permissions of a module worker for `statePath` may open. */
async function probe(statePath: string, paths: string[]): Promise<string[]> {
  const worker = new Worker(new URL("./fixtures/state_probe_worker.ts", import.meta.url), {
    type: "module",
    deno: { permissions: workerPermissions(statePath) },
  });
  try {
    const answer = new Promise<string[]>((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
    });
    worker.postMessage(paths);
    return await answer;
  } finally {
    worker.terminate();
  }
}

Deno.test("a module worker may open its own dataflow's state store and no other", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "weir-state-dirs-" });
  try {
    const a = await dataflowStatePath(dataDir, "a", quiet);
    const b = await dataflowStatePath(dataDir, "b", quiet);
    assert.equal(a, join(dataDir, "state", "a", "state.db"));
    // Both stores open, so their WAL files are there too.
    const stores = [a, b].map((path) => new StateStore(path));
    const outside = join(dataDir, "state", "loose.db");
    const beside = join(dataDir, "state", "a", "other.db");
    for (const path of [outside, beside]) await Deno.writeFile(path, new Uint8Array());
    try {
      assert.deepEqual(await probe(a, [a, `${a}-wal`, b, `${b}-wal`, outside, beside]), [
        "opened",
        "opened",
        "denied",
        "denied",
        "denied",
        "denied",
      ]);
    } finally {
      for (const store of stores) store.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("dataflowStatePath() moves a store from the old place with its WAL files, once", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "weir-state-move-" });
  try {
    await Deno.mkdir(join(dataDir, "state"));
    const old = join(dataDir, "state", "flow.db");
    const db = new DatabaseSync(old);
    db.exec("PRAGMA journal_mode=WAL; CREATE TABLE t (x); INSERT INTO t VALUES (42)");
    const wal = await Deno.readFile(`${old}-wal`);
    // A copy of the files as a crash would leave them (the WAL not yet checkpointed).
    await Deno.copyFile(old, `${old}.copy`);
    db.close();
    await Deno.rename(`${old}.copy`, old);
    await Deno.writeFile(`${old}-wal`, wal);
    const lines: string[] = [];
    const log = jsonLogger({ level: "info", write: (l) => lines.push(l) });
    const path = await dataflowStatePath(dataDir, "flow", log);
    assert.equal(path, join(dataDir, "state", "flow", "state.db"));
    assert.ok(!existsSync(old) && !existsSync(`${old}-wal`));
    const moved = new DatabaseSync(path);
    assert.deepEqual(moved.prepare("SELECT x FROM t").all().map((r) => r.x), [42]);
    moved.close();
    assert.match(lines.join("\n"), /state store moved to its dataflow's folder/);
    // A second start finds nothing to move; a stray old file stays and is named in a warning.
    await Deno.writeFile(old, new Uint8Array());
    assert.equal(await dataflowStatePath(dataDir, "flow", log), path);
    assert.ok(existsSync(old));
    assert.match(lines.at(-1)!, /state store in the old place left as is/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test({
  name: "gateway: an old state store moves into its dataflow's folder and the state quota holds " +
    "per dataflow" + MOSQUITTO_NOTE + modulesNote("hostile-tenant"),
  ignore: !HAS_MOSQUITTO || !modulesBuilt("hostile-tenant"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const broker = await startMosquitto();
    const dataDir = await Deno.makeTempDir({ prefix: "weir-state-gw-" });
    await Deno.mkdir(join(dataDir, "state"));
    // A store where the gateway used to keep it, holding one key.
    const old = new StateStore(join(dataDir, "state", "a.db"));
    old.set(enc.encode("seeded"), enc.encode("1"), { condition: "unconditional" });
    old.close();
    const graph = join(ROOT, "tests/fixtures/graphs/hostile_tenant.yaml");
    const flow = (name: string) => ({
      source: { endpoint: "local", topics: [`in/${name}`] },
      graph: { file: graph },
      destination: { endpoint: "local", topic: `out/${name}` },
    });
    const config = parseConfig(
      JSON.stringify({
        endpoints: { local: { url: broker.url, clientId: "weir-state" } },
        dataflows: { a: flow("a"), b: flow("b") },
        state: { maxKeys: 3 },
        dataDir,
      }),
      "state",
    );
    const gateway = await startGateway({
      config,
      log: quiet,
      modulesDir: MODULES_DIR,
      metricsPort: null,
    });
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    try {
      assert.ok(existsSync(join(dataDir, "state", "a", "state.db")));
      assert.ok(existsSync(join(dataDir, "state", "b", "state.db")));
      assert.ok(!existsSync(join(dataDir, "state", "a.db")));
      const answers = new Map<string, string>();
      const both = new Promise<void>((resolve) =>
        client.on("message", (topic, payload) => {
          answers.set(topic, payload.toString());
          if (answers.size === 2) resolve();
        })
      );
      await client.subscribeAsync("out/#", { qos: 1 });
      await client.publishAsync("in/a", "state:5:1", { qos: 1 });
      await client.publishAsync("in/b", "state:5:1", { qos: 1 });
      await both;
      // a holds the moved key, so two more fit; b is a store of its own.
      assert.match(
        answers.get("out/a")!,
        /^written=2 error=request-error: State store quota exceeded: key "k2" would take the store past "3" keys$/,
      );
      assert.match(
        answers.get("out/b")!,
        /^written=3 error=request-error: State store quota exceeded/,
      );
    } finally {
      await client.endAsync();
      await gateway.stop();
      await broker.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
