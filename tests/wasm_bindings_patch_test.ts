/**
 * The source transforms on jco's generated bindings (src/wasm/bindings_patch.ts):
 * each one on a snippet in the shape jco-transpile 0.15.0 emits (input → output),
 * the all-or-nothing gate of the lean transforms, every transform finding its
 * places in the real temperature bindings (a jco upgrade that changes the
 * generated code fails here, loudly, instead of silently running unpatched),
 * and patched bindings behaving exactly like jco's own: results, `err`
 * payloads, host calls, resources, memory growth, traps.
 *
 * @module
 */
import assert from "node:assert/strict";
import { transpileBytes } from "@bytecodealliance/jco-transpile";
import type { DataModel, Message } from "../src/base/mod.ts";
import { Metrics, renderPrometheus, silentLogger } from "../src/telemetry/mod.ts";
import {
  compileModule,
  hostImports,
  importServices,
  liftDataModel,
  lowerDataModel,
  lowerHlc,
  patchBindings,
  type PatchName,
  transpileComponent,
} from "../src/wasm/mod.ts";
import { modulePath, modulesBuilt, modulesNote } from "./_modules.ts";

const ALL: PatchName[] = ["lean", "created-reps", "data-view", "utf8-decode", "copy-bytes"];

// ---------------------------------------------------------------------------
// Snippets: fragments of jco-transpile 0.15.0 output, and what they become.

const RUNTIME = `"use components";
export function instantiate(getCoreModule, imports, instantiateCore = WebAssembly.instantiate) {
  let dv = new DataView(new ArrayBuffer());
  const dataView = mem => dv.buffer === mem.buffer ? dv : dv = new DataView(mem.buffer);
  const TEXT_DECODER_UTF8 = new TextDecoder();
  function rscTableCreateOwn(table, rep) {
    const free = table[0] & ~T_FLAG;
    table._createdReps.add(rep);
    return free;
  }
  const _debugLog = (...args) => {
    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }
    console.debug(...args);
  };
  function getOrCreateAsyncState(componentIdx, init) { return ASYNC_STATE.get(componentIdx); }
  class ComponentAsyncState {
    markTrapped(err) { return true; }
    throwIfTrapped() {}
  }
  function createNewCurrentTask(args) {}
  function _checkMayLeave(componentIdx) {}
  function getCurrentTask(componentIdx, taskID) {}
  function _getGlobalCurrentTaskMeta(componentIdx) {}
  function _withGlobalCurrentTaskMeta(args) {}
  function _lowerImportBackwardsCompat(args) {}
  function _symmetricSyncGuestCallEnter(callerComponentIdx, calleeIsAsync, calleeComponentIdx) {}
`;

const START = `let gen= (function* _initGenerator () {
  const handleTable0 = [T_FLAG, 0];
  handleTable0._createdReps = new Set();
`;

const TRAMPOLINE = `
  const _trampoline11 = function(arg0, arg1, arg2) {
    var result1 = TEXT_DECODER_UTF8.decode(new Uint8Array(memory0.buffer, arg1, arg2));
    const hostProvided = true;
    
    let parentTask;
    let task;
    let subtask;
    
    const createTask = () => {
      const results = createNewCurrentTask({
        componentIdx: -1,
        isAsync: false,
        entryFnName: 'log',
        getCallbackFn: () => null,
        callbackFnName: null,
        errHandling: 'none',
        callingWasmExport: false,
      });
      task = results[0];
    };
    
    taskCreation: {
      parentTask = getCurrentTask(
      0,
      _getGlobalCurrentTaskMeta(0)?.taskID,
      )?.task;
      
      if (!parentTask) {
        createTask();
        break taskCreation;
      }
      
      createTask();
      
      if (hostProvided) {
        subtask = parentTask.getLatestSubtask();
        if (!subtask) {
          throw new Error(\`Missing subtask (in parent task [\${parentTask.id()}]) for host import, has the import been lowered? (ensure asyncImports are set properly)\`);
        }
        task.setParentSubtask(subtask);
      }
    }
    
    const started = task.enterSync();
    let ret;
    try {
      _withGlobalCurrentTaskMeta({
        componentIdx: task.componentIdx(),
        taskID: task.id(),
        fn: () => _trackHostOperation(() => log(arg0, result1)),
      })
      ;
    } catch (err) {
      getOrCreateAsyncState(0).markTrapped(err);
      task.setErrored(err);
      task.reject(err);
      task.exit();
      throw err;
    }
    task.resolve([ret]);
    task.exit();
  }
`;

const TRAMPOLINE_OUT = `
  const _trampoline11 = function(arg0, arg1, arg2) {
    var result1 = _weirUtf8Decode(memory0, arg1, arg2);
    const hostProvided = true;
    
    let parentTask;
    let task;
    let subtask;
    
    task = _weirSyncTask;
    
    const started = task.enterSync();
    let ret;
    try {
      _weirRunSync({ fn: () => _trackHostOperation(() => log(arg0, result1)),
      })
      ;
    } catch (err) {
      getOrCreateAsyncState(0).markTrapped(err);
      task.setErrored(err);
      task.reject(err);
      task.exit();
      throw err;
    }
    task.resolve([ret]);
    task.exit();
  }
`;

const LOWERED = `
  let trampoline11 = _trampoline11.manuallyAsync ? new WebAssembly.Suspending(_suspendingImport(0, _lowerImportBackwardsCompat.bind(
  null,
  {
    componentIdx: 0,
    isAsync: false,
    isManualAsync: _trampoline11.manuallyAsync,
    funcTypeIsAsync: false,
    importFn: _trampoline11,
  },
  ))) : _lowerImportBackwardsCompat.bind(
  null,
  {
    componentIdx: 0,
    isAsync: false,
    isManualAsync: _trampoline11.manuallyAsync,
    funcTypeIsAsync: false,
    importFn: _trampoline11,
  },
  );
`;

const LOWERED_OUT = `
  let trampoline11 = _trampoline11.manuallyAsync ? new WebAssembly.Suspending(_suspendingImport(0, _weirLowerSyncImport(
  null,
  {
    componentIdx: 0,
    isAsync: false,
    isManualAsync: _trampoline11.manuallyAsync,
    funcTypeIsAsync: false,
    importFn: _trampoline11,
  },
  ))) : _weirLowerSyncImport(
  null,
  {
    componentIdx: 0,
    isAsync: false,
    isManualAsync: _trampoline11.manuallyAsync,
    funcTypeIsAsync: false,
    importFn: _trampoline11,
  },
  );
`;

const EXPORT = `
  function process$1(arg0) {
    const hostProvided = false;
    getOrCreateAsyncState(0).throwIfTrapped();
    
    const [task, _wasm_call_currentTaskID] = createNewCurrentTask({
      componentIdx: 0,
      isAsync: false,
      isManualAsync: false,
      preserveFutureResult: false,
      entryFnName: 'map110Process',
      getCallbackFn: () => null,
      callbackFnName: null,
      errHandling: 'throw-result-err',
      callingWasmExport: true,
    });
    task.setCalleeIsAsync(false);
    
    const started = task.enterSync();
    CURRENT_TASK_MAY_BLOCK.value = task.mayBlock() ? 1 : 0;
    
    return _withGlobalCurrentTaskMeta({
      taskID: task.id(),
      componentIdx: task.componentIdx(),
      fn: () => {
        try {
          var ptr0 = realloc0(0, 0, 8, 128);
          let ret;
          try {
            ret =  _withGlobalCurrentTaskMeta({
              taskID: task.id(),
              componentIdx: task.componentIdx(),
              fn: () => map110Process(ptr0),
            });
          } catch (err) {
            getOrCreateAsyncState(0).markTrapped(err);
            task.setErrored(err);
            task.reject(err);
            task.exit();
            throw err;
          }
          var ptr57 = dataView(memory0).getUint32(ret + 20, true);
          var len57 = dataView(memory0).getUint32(ret + 24, true);
          var result57 = new Uint8Array(memory0.buffer.slice(ptr57, ptr57 + len57 * 1));
          const retCopy = { tag: 'ok', val: result57 };
          task.resolve([retCopy.val]);
          let cstate = getOrCreateAsyncState(0);
          cstate.mayLeave = false;
          postReturn0(ret);
          cstate.mayLeave = true;
          task.exit();
          if (typeof retCopy === 'object' && retCopy.tag === 'err') {
            throw retCopy.val;
          }
          return retCopy.val;
        } catch (err) {
          if (!task.isResolvedState()) {
            task.setErrored(err);
            task.reject(err);
          }
          if (!task.isExited()) { task.exit({ skipExclusiveLockCheck: true }); }
          throw err;
        }
      },
    });
  }
`;

const EXPORT_OUT = `
  function process$1(arg0) {
    const hostProvided = false;
    getOrCreateAsyncState(0).throwIfTrapped();
    
    const task = _weirSyncTask, _wasm_call_currentTaskID = 0;
    task.setCalleeIsAsync(false);
    
    const started = task.enterSync();
    
    
    return _weirRunExport({ fn: () => {
        try {
          var ptr0 = realloc0(0, 0, 8, 128);
          let ret;
          try {
            ret =  _weirRunSync({ fn: () => map110Process(ptr0),
            });
          } catch (err) {
            getOrCreateAsyncState(0).markTrapped(err);
            task.setErrored(err);
            task.reject(err);
            task.exit();
            throw err;
          }
          var ptr57 = dataView(memory0).getUint32(ret + 20, true);
          var len57 = dataView(memory0).getUint32(ret + 24, true);
          var result57 = _weirCopyBytes(memory0, ptr57, len57);
          const retCopy = { tag: 'ok', val: result57 };
          task.resolve([retCopy.val]);
          let cstate = getOrCreateAsyncState(0);
          cstate.mayLeave = false;
          postReturn0(ret);
          cstate.mayLeave = true;
          task.exit();
          if (typeof retCopy === 'object' && retCopy.tag === 'err') {
            return new _WeirErr(retCopy.val);
          }
          return retCopy.val;
        } catch (err) {
          if (!task.isResolvedState()) {
            task.setErrored(err);
            task.reject(err);
          }
          if (!task.isExited()) { task.exit({ skipExclusiveLockCheck: true }); }
          throw err;
        }
      },
    });
  }
`;

const END = `  return { map: { process: process$1 } };
})();
};
`;

const SNIPPET = RUNTIME + START + TRAMPOLINE + LOWERED + EXPORT + END;

Deno.test("bindings patch: each transform turns jco's snippet into the expected code", () => {
  const p = patchBindings(SNIPPET);
  assert.equal(p.lean, true, p.reason ?? "");
  assert.deepEqual(p.applied, {
    "debug-env": 1,
    "created-reps": 1,
    "data-view": 1,
    "utf8-decode": 1,
    "copy-bytes": 1,
    "export-task": 1,
    "may-block": 1,
    "import-task": 1,
    "export-body": 1,
    "task-meta": 2,
    "err-result": 1,
    "lower-import": 2,
  });
  assert.ok(p.js.includes(TRAMPOLINE_OUT), "trampoline");
  assert.ok(p.js.includes(LOWERED_OUT), "lowered import");
  assert.ok(p.js.includes(EXPORT_OUT), "export wrapper");
  assert.ok(p.js.includes("if (!false) { return; }"), "debug hook");
  assert.ok(!p.js.includes("_createdReps.add"), "created reps");
  assert.ok(p.js.includes("dvKeep && dvMem === mem && dv.buffer.byteLength !== 0 ? dv :"));
  for (
    const helper of [
      "_weirSyncTask",
      "_weirRunSync",
      "_weirRunExport",
      "_WeirErr",
      "_weirLowerSyncImport",
      "_weirUtf8Decode",
      "_weirCopyBytes",
    ]
  ) {
    assert.match(p.js, new RegExp(`(?:const|function|class) ${helper}\\b`), helper);
  }
  // The result still parses as a module.
  new Function(p.js.replace("export function", "function"));
});

Deno.test("bindings patch: the lean transforms are all or nothing", () => {
  const check = (source: string, reason: RegExp) => {
    const p = patchBindings(source);
    assert.equal(p.lean, false);
    assert.match(p.reason ?? "", reason);
    assert.ok(!p.js.includes("_weirSyncTask"));
    assert.ok(p.js.includes("createNewCurrentTask({"));
    // The independent transforms still apply.
    assert.equal(p.applied["debug-env"], 1);
    assert.equal(p.applied["utf8-decode"], 1);
  };
  // An async export.
  check(
    SNIPPET.replace(
      "isAsync: false,\n      isManualAsync: false",
      "isAsync: true,\n      isManualAsync: false",
    ),
    /export-task/,
  );
  // A trampoline in a shape this patch does not know.
  check(SNIPPET.replace("if (hostProvided) {", "if (hostProvided && true) {"), /import-task/);
  // An async-lowered import.
  check(
    SNIPPET.replaceAll("funcTypeIsAsync: false", "funcTypeIsAsync: true"),
    /funcTypeIsAsync: true/,
  );
  // A composed component: a guest-to-guest adapter reads the current task.
  check(
    SNIPPET.replace(END, "  const trampoline60 = _symmetricSyncGuestCallEnter;\n" + END),
    /task machinery: _symmetricSyncGuestCallEnter/,
  );
  // An err result thrown somewhere else than an export's body.
  check(
    SNIPPET.replace(
      "    task.resolve([ret]);\n    task.exit();\n  }\n",
      "    if (typeof retCopy === 'object' && retCopy.tag === 'err') {\n      throw retCopy.val;\n    }\n" +
        "    task.resolve([ret]);\n    task.exit();\n  }\n",
    ),
    /err result outside an export body/,
  );
  // The async runtime gone missing.
  check(
    SNIPPET.replace("function _checkMayLeave(componentIdx)", "function _mayLeave(idx)"),
    /_checkMayLeave/,
  );
  // Skipping on request.
  assert.equal(patchBindings(SNIPPET, { skip: ["lean"] }).lean, false);
  assert.equal(
    patchBindings(SNIPPET, { skip: ALL }).js,
    SNIPPET.replace("globalThis?.process?.env?.JCO_DEBUG", "false"),
  );
});

Deno.test("bindings patch: the rep set stays when something reads it", () => {
  const source = SNIPPET.replace(
    "function _checkMayLeave",
    "function known(t, rep) { return t._createdReps.has(rep); }\n  function _checkMayLeave",
  );
  const p = patchBindings(source);
  assert.equal(p.applied["created-reps"], 0);
  assert.ok(p.js.includes("table._createdReps.add(rep);"));
});

// ---------------------------------------------------------------------------
// The real bindings.

async function rawBindings(name: string): Promise<string> {
  const out = await transpileBytes(await Deno.readFile(modulePath(name)), {
    name: "op",
    instantiation: { tag: "async" },
    emitTypescriptDeclarations: false,
  });
  return new TextDecoder().decode((out.files as Record<string, Uint8Array>)["op.js"]);
}

Deno.test({
  name: "bindings patch: every transform finds its places in the temperature bindings" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    const raw = await rawBindings("temperature");
    const p = patchBindings(raw);
    assert.equal(p.lean, true, `jco's output changed: ${p.reason}`);
    for (
      const name of [
        "debug-env",
        "created-reps",
        "data-view",
        "utf8-decode",
        "copy-bytes",
        "export-task",
        "may-block",
        "import-task",
        "export-body",
        "task-meta",
        "err-result",
        "lower-import",
      ]
    ) {
      assert.ok((p.applied[name] ?? 0) >= 1, `transform ${name} found nothing in jco's output`);
    }
    // Four operators, each with init and process.
    assert.equal(p.applied["export-task"], 8);
    // What Weir loads is exactly this.
    const bindings = await transpileComponent(await Deno.readFile(modulePath("temperature")));
    assert.equal(bindings.js, p.js);
  },
});

const SYNC_MODULES = [
  "temperature",
  "temperature-v1",
  "window",
  "filter",
  "humidity",
  "collection",
  "enrichment",
  "hostile-flaky",
  "js-map",
];

Deno.test({
  name: "bindings patch: sample modules go lean; composed (Python) ones keep jco's runtime" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    for (const name of SYNC_MODULES.filter((n) => modulesBuilt(n))) {
      const p = patchBindings(await rawBindings(name));
      assert.equal(p.lean, true, `${name}: ${p.reason}`);
    }
    if (modulesBuilt("py-map")) {
      const p = patchBindings(await rawBindings("py-map"));
      assert.equal(p.lean, false);
      assert.match(p.reason ?? "", /task machinery/);
    }
  },
});

// ---------------------------------------------------------------------------
// Patched and unpatched bindings side by side on the same core modules.

type Exports = Record<string, { init(c: unknown): boolean; process(...a: unknown[]): unknown }>;

type Instantiate = (
  core: (name: string) => Promise<WebAssembly.Module>,
  imports: Record<string, Record<string, unknown>>,
) => Promise<unknown>;

interface Instance {
  exports: Exports;
  logs: string[];
  metrics: Metrics;
}

async function pair(name: string): Promise<{ make(patched: boolean): Promise<Instance> }> {
  const module = await compileModule(await Deno.readFile(modulePath(name)), name);
  const cores = new Map(await module.coreModules());
  const raw = await rawBindings(name);
  const unpatched = patchBindings(raw, { skip: ALL }).js;
  const load = async (js: string) => {
    const url = URL.createObjectURL(new Blob([js], { type: "text/javascript" }));
    try {
      return ((await import(url)) as { instantiate: Instantiate }).instantiate;
    } finally {
      URL.revokeObjectURL(url);
    }
  };
  const jco = await load(unpatched);
  return {
    make: async (patched) => {
      const logs: string[] = [];
      const metrics = new Metrics();
      const imports = hostImports(
        module.info.package,
        importServices({
          log: {
            log: (level, message, fields) =>
              logs.push(`${level} ${message} ${JSON.stringify(fields)}`),
            child: () => silentLogger,
          },
          metrics,
          labels: { graph: "g" },
        }),
      );
      const exports = patched
        ? await module.instantiate(imports)
        : await jco((n: string) => Promise.resolve(cores.get(n)!), imports);
      return { exports: exports as Exports, logs, metrics };
    },
  };
}

const enc = new TextEncoder();

function message(payload: string, extra: Partial<Message> = {}): Message {
  return {
    kind: "message",
    timestamp: { secs: 7, nanos: 9, counter: 3, node: "node-ü" },
    topic: enc.encode("sensors/t1"),
    contentType: null,
    payload: enc.encode(payload),
    userProperties: [["test_property_key", "x"], ["k", "v"]],
    schema: null,
    ...extra,
  };
}

/** What a call did, in comparable form. */
function outcome(f: () => unknown): unknown {
  try {
    const v = f();
    if (typeof v === "object" && v !== null && "tag" in v) {
      const d = liftDataModel(v as never) as DataModel & { payload?: Uint8Array };
      return { ok: JSON.parse(JSON.stringify(d, (_k, x) => x instanceof Uint8Array ? [...x] : x)) };
    }
    return { ok: v };
  } catch (e) {
    return e instanceof Error
      ? { trap: `${e.constructor.name}: ${e.message}` }
      : { err: JSON.parse(JSON.stringify(e)) };
  }
}

Deno.test({
  name: "bindings patch: patched temperature bindings answer exactly like jco's" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    const { make } = await pair("temperature");
    const big = `{"temperature":{"value":100,"unit":"F","pad":"${"x".repeat(3 << 20)}"}}`;
    const inputs: Message[] = [
      message('{"temperature":{"value":1209,"unit":"F"}}'),
      message('{"temperature":{"value":21.5,"unit":"C"}}'),
      message("not json"),
      message('{"temperature":{"value":1209,"unit":"F"}}', {
        contentType: "application/json; ünïcödé " + "long ".repeat(40),
        userProperties: [["test_property_key", "ü"], ["ключ", "значение"]],
        schema: { kind: "inline", name: "s", content: "{}" },
      }),
      message(big), // grows the module's memory
      message('{"temperature":{"value":32,"unit":"F"}}'),
      message("{}"),
    ];
    const valid = inputs.filter((m) => new TextDecoder().decode(m.payload).startsWith('{"temp'));
    const config = { properties: [["a", "b"], ["ü", "é"]], moduleSchemas: [] };
    const runs = [];
    for (const patched of [false, true]) {
      // One instance per operator, so that a trap in one does not hide the others.
      const results: unknown[] = [];
      const logs: string[] = [];
      const metrics: string[] = [];
      const run = async (kind: string, calls: (e: Exports[string]) => unknown[]) => {
        const inst = await make(patched);
        results.push(outcome(() => inst.exports[kind]!.init(config)));
        results.push(...calls(inst.exports[kind]!));
        logs.push(...inst.logs);
        metrics.push(renderPrometheus(inst.metrics));
      };
      await run("map", (map) => {
        const out = inputs.map((m) => outcome(() => map.process(lowerDataModel(m))));
        // A host buffer the module hands back unchanged is the host's own object.
        const celsius = lowerDataModel(inputs[1]!) as { val: { payload: { val: unknown } } };
        const back = map.process(celsius) as typeof celsius;
        return [...out, back.val.payload.val === celsius.val.payload.val];
      });
      await run("filter", (f) => valid.map((m) => outcome(() => f.process(lowerDataModel(m)))));
      await run(
        "branch",
        (b) =>
          inputs.map((m) =>
            outcome(() =>
              b.process(lowerHlc({ ms: 1500, counter: 2, node: "n" }), lowerDataModel(m))
            )
          ),
      );
      await run("accumulate", (a) => [
        outcome(() => a.process(lowerDataModel(valid[0]!), valid.map(lowerDataModel))),
      ]);
      runs.push({ results, logs, metrics });
    }
    assert.deepEqual(runs[1], runs[0]);
    const seen = JSON.stringify(runs[0]!.results);
    assert.ok(seen.includes('"err"'), "an err result was seen");
    assert.ok(!seen.includes('"trap"'), seen.slice(0, 2000));
    assert.ok(runs[0]!.results.includes(true), "the host buffer came back as itself");
    assert.ok(runs[0]!.logs.length > 0 && runs[0]!.metrics.join("").includes("requests"));
  },
});

Deno.test({
  name: "bindings patch: a trap surfaces as a RuntimeError and poisons the instance, as in jco" +
    modulesNote("hostile-flaky"),
  ignore: !modulesBuilt("hostile-flaky"),
  fn: async () => {
    const { make } = await pair("hostile-flaky");
    const runs = [];
    for (const patched of [false, true]) {
      const inst = await make(patched);
      const filter = inst.exports.filter!;
      const results = [outcome(() => filter.init({ properties: [], moduleSchemas: [] }))];
      for (let i = 0; i < 3; i++) {
        results.push(outcome(() => filter.process(lowerDataModel(message(`r${i}`)))));
      }
      runs.push(results);
      // A fresh instance works again.
      const fresh = await make(patched);
      assert.deepEqual(outcome(() => fresh.exports.filter!.process(lowerDataModel(message("x")))), {
        ok: true,
      });
    }
    assert.deepEqual(runs[1], runs[0]);
    assert.deepEqual(runs[0]![2], {
      trap: "RuntimeError: wasm trap: wasm `unreachable` instruction executed",
    });
    assert.deepEqual(runs[0]![3], {
      trap: "RuntimeError: wasm trap: cannot enter component instance",
    });
  },
});
