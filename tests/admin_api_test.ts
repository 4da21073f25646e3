import assert from "node:assert/strict";
import { join } from "node:path";
import { createAdminApp, describeError, MAX_BODY_BYTES, RateSampler } from "../src/admin/mod.ts";
import { WeirError } from "../src/base/mod.ts";
import { type DataflowStatus } from "../src/gateway/mod.ts";
import { FakeControl, OVENS_GRAPH, SIMPLE_GRAPH } from "./_admin_fake_control.ts";
import { ROOT } from "./_samples.ts";

const TOKEN = "test-token-0123456789-abcdefghijklmnopqrstuvwxyz";
const REF = "127.0.0.1:5000/graph-simple:1.0.0";

function setup(now?: () => number) {
  const control = new FakeControl();
  const app = createAdminApp({ control, token: TOKEN, ...(now ? { now } : {}) });
  const call = (method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  return { control, app, call };
}

async function json(res: Response, status: number) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  return body;
}

Deno.test("GET /api/dataflows and /api/dataflows/:name return the gateway's status", async () => {
  const { call } = setup();
  const { dataflows } = await json(await call("GET", "/api/dataflows"), 200);
  assert.equal(dataflows.length, 2);
  const ovens = await json(await call("GET", "/api/dataflows/ovens"), 200);
  assert.equal(ovens.name, "ovens");
  assert.equal(ovens.state, "running");
  assert.equal(ovens.current.id, 1);
  assert.deepEqual(ovens.current.graph, OVENS_GRAPH);
});

Deno.test("GET /api/dataflows/:name answers 404 not_found for an unknown dataflow", async () => {
  const { call } = setup();
  const body = await json(await call("GET", "/api/dataflows/nope"), 404);
  assert.deepEqual(body, {
    error: { code: "not_found", message: 'Dataflow "nope" does not exist' },
  });
});

Deno.test("POST /api/dataflows/:name/deploy with a ref deploys and returns the new version", async () => {
  const { call, control } = setup();
  const body = await json(
    await call("POST", "/api/dataflows/ovens/deploy", {
      ref: REF,
      configuration: { temperature_lower_bound: -10, strict: true },
      watchSeconds: 30,
    }),
    200,
  );
  assert.equal(body.version.id, 2);
  assert.equal(body.version.ref, REF);
  assert.deepEqual(body.version.graph, SIMPLE_GRAPH);
  assert.equal(typeof body.switchMs, "number");
  assert.equal(
    control.calls.at(-1),
    `deploy ovens ${
      JSON.stringify({
        ref: REF,
        configuration: { temperature_lower_bound: "-10", strict: "true" },
        watchSeconds: 30,
      })
    }`,
  );
  const ovens = await json(await call("GET", "/api/dataflows/ovens"), 200);
  assert.equal(ovens.previous.id, 1);
  assert.deepEqual(ovens.watch, { ref: REF, intervalSeconds: 30 });
});

Deno.test("POST /api/dataflows/:name/deploy with yaml passes the text on", async () => {
  const { call, control } = setup();
  const yaml = "metadata: { name: x }\noperations: []\n";
  const body = await json(await call("POST", "/api/dataflows/ovens/deploy", { yaml }), 200);
  assert.equal(body.version.origin, "upload");
  assert.equal(control.calls.at(-1), `deploy ovens ${JSON.stringify({ yaml })}`);
});

Deno.test("POST /api/dataflows/:name/deploy?stream=1 sends progress events, then the result", async () => {
  const { call } = setup();
  const res = await call("POST", "/api/dataflows/ovens/deploy?stream=1", { ref: REF });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("Content-Type"), "text/event-stream");
  const events = parseSse(await res.text());
  assert.deepEqual(events.map((e) => e.event), [
    "progress",
    "progress",
    "progress",
    "progress",
    "progress",
    "progress",
    "result",
  ]);
  assert.deepEqual(events.map((e) => e.data.phase).slice(0, 6), [
    "pull",
    "pull",
    "load",
    "init",
    "switch",
    "done",
  ]);
  assert.deepEqual(events[1]!.data, { phase: "pull", doneBytes: 2048, totalBytes: 2048 });
  assert.equal(events[6]!.data.version.id, 2);
});

Deno.test("POST /api/dataflows/:name/deploy?stream=1 ends with an error event when the deploy fails", async () => {
  const { call } = setup();
  const res = await call("POST", "/api/dataflows/ovens/deploy?stream=1", {
    ref: "127.0.0.1:5000/broken:1.0.0",
  });
  const events = parseSse(await res.text());
  assert.deepEqual(events.at(-1), {
    event: "error",
    data: {
      status: 422,
      error: { code: "module_init_failed", message: 'Module "broken" refused its configuration' },
    },
  });
  // An unknown dataflow fails before any stream starts.
  const missing = await call("POST", "/api/dataflows/nope/deploy?stream=1", { ref: REF });
  assert.equal((await json(missing, 404)).error.code, "not_found");
});

Deno.test("deploy errors map WeirError codes to HTTP statuses", async () => {
  const { call } = setup();
  const invalid = await call("POST", "/api/dataflows/ovens/deploy", { yaml: "invalid: yes" });
  assert.deepEqual(await json(invalid, 400), {
    error: { code: "graph_invalid", message: "Graph YAML is invalid: operations is missing" },
  });
  const init = await call("POST", "/api/dataflows/ovens/deploy", {
    ref: "127.0.0.1:5000/broken:1.0.0",
  });
  assert.equal((await json(init, 422)).error.code, "module_init_failed");
  const internal = await call("POST", "/api/dataflows/ovens/deploy", {
    ref: "127.0.0.1:5000/explode:1.0.0",
  });
  assert.deepEqual(await json(internal, 500), {
    error: { code: "internal", message: "Internal error; see the gateway log" },
  });
});

/** A control whose deploys fail the way the gateway's do, naming files by absolute path. */
class PathLeakingControl extends FakeControl {
  constructor(readonly dataDir: string) {
    super();
  }

  override deploy(): Promise<never> {
    const file = `${this.dataDir}/graphs/sha256-ab12.yaml`;
    this.emit({ kind: "deploy", dataflow: "ovens", data: { phase: "failed", message: file } });
    return Promise.reject(
      new WeirError(
        "graph_invalid",
        `Graph "${file}" is invalid (1 issue)\n${file}:3:5: operations: missing [required]\n` +
          'Module "m:1" was not found at "/opt/weir/modules/dist/m.wasm"; see ' +
          "http://127.0.0.1:5000/v2/m/manifests/1 and 127.0.0.1:5000/m:1 for sensors/+/x",
      ),
    );
  }
}

Deno.test("API errors and events name files relative to the data directory, never by absolute path", async () => {
  const dataDir = "/var/lib/weir-test";
  const control = new PathLeakingControl(dataDir);
  const app = createAdminApp({ control, token: TOKEN, dataDir });
  const auth = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };
  const expected = 'Graph "graphs/sha256-ab12.yaml" is invalid (1 issue)\n' +
    "graphs/sha256-ab12.yaml:3:5: operations: missing [required]\n" +
    'Module "m:1" was not found at "m.wasm"; see ' +
    "http://127.0.0.1:5000/v2/m/manifests/1 and 127.0.0.1:5000/m:1 for sensors/+/x";
  const plain = await app.request("/api/dataflows/ovens/deploy", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ yaml: "operations: [" }),
  });
  assert.deepEqual(await json(plain, 400), { error: { code: "graph_invalid", message: expected } });
  const streamed = await app.request("/api/dataflows/ovens/deploy?stream=1", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ yaml: "operations: [" }),
  });
  const text = await streamed.text();
  assert.ok(text.includes(JSON.stringify(expected)), text);
  assert.equal(text.includes(dataDir), false, text);
  const events = await app.request("/api/events?kind=deploy", { headers: auth });
  const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
  let feed = "";
  while (!feed.includes("event: live")) feed += (await reader.read()).value ?? "";
  await reader.cancel();
  assert.ok(feed.includes('"message":"graphs/sha256-ab12.yaml"'), feed);
  assert.equal(feed.includes(dataDir), false, feed);
});

Deno.test("describeError() maps every WeirError code the API documents", () => {
  const status = (code: ConstructorParameters<typeof WeirError>[0]) =>
    describeError(new WeirError(code, "x")).status;
  assert.equal(status("not_found"), 404);
  assert.equal(status("conflict"), 409);
  assert.equal(status("graph_invalid"), 400);
  assert.equal(status("module_invalid"), 400);
  assert.equal(status("usage"), 400);
  assert.equal(status("module_init_failed"), 422);
  assert.equal(status("operator_failed"), 500);
  assert.equal(status("graph_io"), 500);
  assert.equal(describeError(new TypeError("boom")).body.error.message.includes("boom"), false);
});

Deno.test("deploy bodies are checked, with messages naming the field", async () => {
  const { call, control } = setup();
  const cases: Array<[unknown, RegExp]> = [
    ["", /empty; expected a JSON object/],
    ["{not json", /not valid JSON/],
    [[1, 2], /is an array; expected a JSON object/],
    [{}, /exactly one of "ref" \(an OCI reference\) and "yaml"/],
    [{ ref: REF, yaml: "x" }, /exactly one of/],
    [{ ref: 42 }, /Field "ref" is number 42; expected "<registry>\/<repo>:<tag>"/],
    [{ ref: "graph-simple" }, /Field "ref" is string "graph-simple"/],
    [{ yaml: "  " }, /Field "yaml" is string " {2}"; expected the graph YAML as text/],
    [{ ref: REF, watchSeconds: -1 }, /"watchSeconds" is number -1; expected a whole number/],
    [{ ref: REF, watchSeconds: 1.5 }, /"watchSeconds" is number 1.5/],
    [{ yaml: "x: 1", watchSeconds: 10 }, /"watchSeconds" needs "ref"/],
    [{ ref: REF, configuration: [] }, /"configuration" is an array; expected an object/],
    [{ ref: REF, configuration: { "bad key": "1" } }, /Configuration key "bad key" is not valid/],
    [{ ref: REF, configuration: { k: { nested: 1 } } }, /value of "k" is an object/],
    [{ ref: REF, tag: "x" }, /Unknown field "tag"/],
  ];
  for (const [body, message] of cases) {
    const res = await call("POST", "/api/dataflows/ovens/deploy", body);
    const error = (await json(res, 400)).error;
    assert.equal(error.code, "usage", JSON.stringify(body));
    assert.match(error.message, message, JSON.stringify(body));
  }
  assert.equal(control.calls.filter((c) => c.startsWith("deploy")).length, 0);
  // Digest references are fine.
  const digest = `127.0.0.1:5000/graph-simple@sha256:${"a".repeat(64)}`;
  await json(await call("POST", "/api/dataflows/ovens/deploy", { ref: digest }), 200);
});

Deno.test("deploy takes every reference the OCI parser takes: IPv6 hosts, __ in a name", async () => {
  const { call, control } = setup();
  for (const ref of ["[::1]:5000/graph__simple:1.0.0", "[fd00::7]/plant/graph-simple:2"]) {
    const body = await json(await call("POST", "/api/dataflows/ovens/deploy", { ref }), 200);
    assert.equal(body.version.ref, ref);
  }
  assert.equal(control.calls.filter((c) => c.startsWith("deploy")).length, 2);
  // What the parser refuses, the API refuses with the parser's reason.
  const upper = await call("POST", "/api/dataflows/ovens/deploy", {
    ref: "127.0.0.1:5000/Graph:1",
  });
  assert.match((await json(upper, 400)).error.message, /repositories are lower case/);
});

Deno.test("deploy takes the configuration keys a configuration file takes", async () => {
  const { call, control } = setup();
  // The gateway configuration allows keys of any length; the API's own pattern stopped at 128.
  const key = "k".repeat(200);
  const body = { ref: REF, configuration: { [key]: 1, enabled: true } };
  await json(await call("POST", "/api/dataflows/ovens/deploy", body), 200);
  assert.equal(
    control.calls.at(-1),
    `deploy ovens ${JSON.stringify({ ref: REF, configuration: { [key]: "1", enabled: "true" } })}`,
  );
});

Deno.test("a bad deploy body names every problem at once", async () => {
  const { call } = setup();
  const res = await call("POST", "/api/dataflows/ovens/deploy", {
    ref: 42,
    tag: "x",
    watchSeconds: -1,
  });
  assert.equal(
    (await json(res, 400)).error.message,
    'Unknown field "tag"; expected only "ref", "yaml", "configuration", "watchSeconds"; ' +
      'Field "ref" is number 42; expected "<registry>/<repo>:<tag>" or ' +
      '"<registry>/<repo>@sha256:<hex>"; Field "watchSeconds" is number -1; ' +
      "expected a whole number from 0 to 86400",
  );
});

Deno.test("request bodies over the limit get 413 too_large", async () => {
  const { call, control } = setup();
  const yaml = "#".repeat(MAX_BODY_BYTES + 1);
  const res = await call("POST", "/api/dataflows/ovens/deploy", { yaml });
  assert.equal((await json(res, 413)).error.code, "too_large");
  assert.equal(control.calls.filter((c) => c.startsWith("deploy")).length, 0);
});

Deno.test("PUT /api/dataflows/:name/configuration deploys the current graph with new values", async () => {
  const { call, control } = setup();
  const body = await json(
    await call("PUT", "/api/dataflows/ovens/configuration", {
      configuration: { temperature_lower_bound: "0" },
    }),
    200,
  );
  assert.equal(body.version.id, 2);
  assert.deepEqual(body.version.graph, OVENS_GRAPH);
  assert.deepEqual(body.version.configuration, { temperature_lower_bound: "0" });
  assert.equal(
    control.calls.at(-1),
    `deploy ovens ${JSON.stringify({ configuration: { temperature_lower_bound: "0" } })}`,
  );
  const missing = await call("PUT", "/api/dataflows/ovens/configuration", { values: {} });
  assert.match((await json(missing, 400)).error.message, /Unknown field "values"/);
  const none = await call("PUT", "/api/dataflows/ovens/configuration", {});
  assert.match((await json(none, 400)).error.message, /"configuration" is missing/);
});

Deno.test("POST /api/dataflows/:name/rollback switches back, and 409 when there is nothing to go back to", async () => {
  const { call } = setup();
  const nothing = await call("POST", "/api/dataflows/ovens/rollback");
  assert.equal((await json(nothing, 409)).error.code, "conflict");
  await json(await call("POST", "/api/dataflows/ovens/deploy", { ref: REF }), 200);
  const back = await json(await call("POST", "/api/dataflows/ovens/rollback"), 200);
  assert.equal(back.version.id, 1);
  const ovens = await json(await call("GET", "/api/dataflows/ovens"), 200);
  assert.equal(ovens.current.id, 1);
  assert.equal(ovens.previous.id, 2);
  const unknown = await call("POST", "/api/dataflows/nope/rollback");
  assert.equal((await json(unknown, 404)).error.code, "not_found");
});

Deno.test("POST /api/dataflows/:name/stop and /start change the state and return the status", async () => {
  const { call, control } = setup();
  const stopped = await json(await call("POST", "/api/dataflows/ovens/stop"), 200);
  assert.equal(stopped.state, "stopped");
  const started = await json(await call("POST", "/api/dataflows/ovens/start"), 200);
  assert.equal(started.state, "running");
  assert.deepEqual(control.calls.filter((c) => /^(stop|start)/.test(c)), [
    "stop ovens",
    "start ovens",
  ]);
  assert.equal(
    (await json(await call("POST", "/api/dataflows/nope/stop"), 404)).error.code,
    "not_found",
  );
});

Deno.test("GET /api/modules lists modules with digests and users", async () => {
  const { call } = setup();
  const { modules } = await json(await call("GET", "/api/modules"), 200);
  assert.deepEqual(modules.map((m: { ref: string }) => m.ref).sort(), [
    "filter:1.0.0",
    "temperature:1.0.0",
    "threshold:1.0.0",
  ]);
  for (const m of modules) {
    assert.match(m.digest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(m.usedBy, [{ dataflow: "ovens", version: 1 }]);
  }
});

Deno.test("GET /api/dataflows/:name/stats gives counters and rates from successive samples", async () => {
  let now = 10_000;
  const { call, control } = setup(() => now);
  const first = await json(await call("GET", "/api/dataflows/ovens/stats"), 200);
  assert.equal(first.dataflow, "ovens");
  assert.equal(first.version, 1);
  assert.equal(first.intervalMs, 0);
  assert.equal(first.queued, 3);
  assert.deepEqual(first.operations.source.perSecond, {
    recordsIn: 0,
    recordsOut: 0,
    dropped: 0,
    late: 0,
    deadLettered: 0,
  });
  control.tick(50);
  now += 2000;
  const second = await json(await call("GET", "/api/dataflows/ovens/stats"), 200);
  assert.equal(second.intervalMs, 2000);
  assert.equal(second.operations.source.totals.recordsIn, 50);
  assert.equal(second.operations.source.perSecond.recordsIn, 25);
  assert.equal(second.operations["to-celsius"].perSecond.recordsOut, 25);
  // Within the minimum spacing the same sample is returned.
  control.tick(50);
  now += 100;
  const again = await json(await call("GET", "/api/dataflows/ovens/stats"), 200);
  assert.deepEqual(again, second);
  assert.equal(
    (await json(await call("GET", "/api/dataflows/nope/stats"), 404)).error.code,
    "not_found",
  );
});

Deno.test("RateSampler restarts rates when a new version serves", () => {
  let now = 0;
  const sampler = new RateSampler({ now: () => now });
  const status = (id: number, recordsIn: number): DataflowStatus => ({
    name: "d",
    state: "running",
    source: { endpoint: "e", topics: ["t"] },
    destination: { endpoint: "e", topic: "o" },
    current: { id } as DataflowStatus["current"] & object,
    draining: 0,
    stats: { op: { recordsIn, recordsOut: 0, dropped: 0, late: 0, deadLettered: 0, batches: 0 } },
    queued: 0,
    deadLetters: 0,
    servedFrom: "configuration",
  });
  sampler.sample(status(1, 100));
  now = 1000;
  assert.equal(sampler.sample(status(1, 150)).operations.op!.perSecond.recordsIn, 50);
  now = 2000;
  const switched = sampler.sample(status(2, 5));
  assert.equal(switched.intervalMs, 0);
  assert.equal(switched.operations.op!.perSecond.recordsIn, 0);
  now = 3000;
  assert.equal(sampler.sample(status(2, 25)).operations.op!.perSecond.recordsIn, 20);
});

Deno.test("unknown API routes answer 404 JSON; API responses are not cached", async () => {
  const { call } = setup();
  const res = await call("GET", "/api/nothing-here");
  assert.deepEqual(await json(res, 404), {
    error: { code: "not_found", message: "No API route GET /api/nothing-here" },
  });
  const ok = await call("GET", "/api/dataflows");
  assert.equal(ok.headers.get("Cache-Control"), "no-store");
  await ok.body?.cancel();
});

Deno.test("the page is served at / with its scripts and a strict content security policy", async () => {
  const { app } = setup();
  const index = await app.request("/");
  assert.equal(index.status, 200);
  assert.match(index.headers.get("Content-Type") ?? "", /^text\/html/);
  const html = await index.text();
  assert.ok(html.includes('<script type="module" src="/app.js"></script>'));
  assert.equal(html, await Deno.readTextFile(join(ROOT, "web/index.html")));
  const csp = index.headers.get("Content-Security-Policy") ?? "";
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(index.headers.get("X-Content-Type-Options"), "nosniff");
  for (
    const [file, type] of [["/app.js", /javascript/], ["/graph.js", /javascript/], [
      "/style.css",
      /^text\/css/,
    ]] as const
  ) {
    const res = await app.request(file);
    assert.equal(res.status, 200, file);
    assert.match(res.headers.get("Content-Type") ?? "", type, file);
    await res.body?.cancel();
  }
  const missing = await app.request("/missing.js");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const escape = await app.request("/..%2fdeno.json");
  assert.equal(escape.status, 404);
  await escape.body?.cancel();
});

/** Splits an SSE body into events with parsed JSON data. */
// deno-lint-ignore no-explicit-any
type Json = any;

function parseSse(text: string): { event: string; data: Json }[] {
  return text.split("\n\n").filter((b) => b.trim() !== "").map((block) => {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    return { event, data: JSON.parse(data.join("\n")) };
  });
}
