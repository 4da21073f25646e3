/**
 * Source transforms on the bindings jco-transpile 0.15.0 generates, applied
 * once before they are cached.
 *
 * jco 1.35 (inside jco-transpile 0.15.0) emits the component-model-async
 * runtime for every component: each export call creates an `AsyncTask`
 * (resource scope, exclusive lock, resolve handlers), runs the lowering and
 * the core call inside two `_withGlobalCurrentTaskMeta` closures, and each
 * import call goes through `_lowerImportBackwardsCompat`, which creates an
 * `AsyncSubtask` (a waitable in a rep table, promise-with-resolvers) and, in
 * the trampoline, a second host `AsyncTask` that resolves the subtask. For a
 * component whose exports and imports are all synchronous, none of that
 * bookkeeping decides anything: a synchronous task never blocks, never
 * suspends, never waits on backpressure, and the subtask result is the value
 * the trampoline returns. It costs most of the time of a call.
 *
 * The "lean" transforms replace it, only when every export and every import
 * of the component is synchronous, and only all together:
 *
 * - exports and trampolines get a shared no-op task object instead of a
 *   fresh `AsyncTask`, and run their closures directly;
 * - sync-lowered imports call the trampoline directly, after the same
 *   may-leave check;
 * - an export's `err` result is thrown after its body function returns, not
 *   from inside it: V8 makes a throw pay for the size of every function on
 *   the stack, and the body is thousands of lines (about 50 µs per `err`
 *   record from inside, under 1 µs from outside).
 *
 * Everything that is observable stays: the lowering and lifting code, the
 * resource handle tables, trap recording (`markTrapped`: a trapped instance
 * refuses further calls; trap messages are normalised), `result` errors
 * thrown as their payload, host `result` errors caught into `err`, the
 * may-leave flag around post-return and resource drops.
 *
 * If any expected shape is missing, or anything async is left over, the lean
 * transforms are not applied at all and the bindings keep jco's runtime
 * (slow, but correct); {@linkcode BindingsPatch.lean} says which happened.
 *
 * Also, independently of the above:
 * - jco's debug hook reads `process.env` on every call: a Deno op per call,
 *   and a failure in workers without env permission. Turned off.
 * - `rscTableCreateOwn` adds every resource rep it ever creates to a
 *   `_createdReps` set that nothing reads and nothing empties: a leak of one
 *   entry per buffer handed to the module (three per record: topic, payload,
 *   node id; about 60 B), and a Set holds at most 2^24 entries, after which
 *   every call throws until the instance is replaced. Removed.
 * - `dataView(memory)` asked `memory.buffer` (a call into the engine) on every
 *   field read and write; it now reuses its DataView until the memory changes
 *   or grows (a grown memory detaches its old buffer).
 * - Strings from the module went through `TextDecoder.decode`, a Deno op per
 *   string (seven per record for the temperature map: log text, metric name
 *   and labels); short ASCII strings are now read directly, others still go
 *   to the decoder.
 * - Byte lists from the module were copied out with `buffer.slice`; now with
 *   a typed-array copy, with the same clamping.
 *
 * @module
 */

/** The outcome of {@linkcode patchBindings}. */
export interface BindingsPatch {
  /** The transformed bindings. */
  readonly js: string;
  /** How many places each transform changed. */
  readonly applied: Readonly<Record<string, number>>;
  /** Whether the async task machinery was removed. */
  readonly lean: boolean;
  /** Why it was not, when `lean` is false. */
  readonly reason?: string;
}

/** Where jco's per-component code starts; the shared runtime is above it. */
const COMPONENT_START = "let gen= (function* _initGenerator () {";

/** Helpers the lean transforms call; inserted in `instantiate`'s scope, above the component. */
const LEAN_HELPERS = `
  // --- weir: synchronous-component fast path (src/wasm/bindings_patch.ts) ---
  const _weirSyncTask = Object.freeze({
    id() { return 0; },
    componentIdx() { return undefined; },
    enterSync() { return true; },
    mayBlock() { return false; },
    setCalleeIsAsync() {},
    setReturnMemoryIdx() {},
    setReturnMemory() {},
    resolve() {},
    reject() {},
    setErrored() {},
    exit() {},
    isResolvedState() { return true; },
    isExited() { return true; },
    getParentSubtask() { return undefined; },
  });
  const _weirRunSync = (call) => call.fn();
  // An export's \`err\` result, thrown once the (huge) body function has returned.
  class _WeirErr { constructor(val) { this.val = val; } }
  const _weirRunExport = (call) => {
    const out = call.fn();
    if (out instanceof _WeirErr) throw out.val;
    return out;
  };
  function _weirLowerSyncImport(_thisArg, args) {
    if (args.isAsync !== false || args.funcTypeIsAsync !== false || args.isManualAsync) {
      throw new Error('weir: bindings patched for a synchronous component met an asynchronous import: ' + args.importFn?.fnName);
    }
    const componentIdx = args.componentIdx;
    const importFn = args.importFn;
    return function () {
      _checkMayLeave(componentIdx);
      return importFn.apply(undefined, arguments);
    };
  }
  // --- weir: end ---
`;

type Replacer = string | ((substring: string, ...groups: string[]) => string);

interface Rule {
  readonly name: string;
  readonly find: RegExp;
  readonly replace: Replacer;
}

/** Whitespace between tokens, as jco's indentation varies. */
const S = String.raw`\s*`;

/**
 * A task creation whose literal (the rule's first group) is synchronous and made for `side`
 * (an export calls into wasm, an import's trampoline does not) becomes `replacement`; any
 * other is left as it is.
 */
function syncTask(side: "export" | "import", replacement: string): Replacer {
  const made = new RegExp(String.raw`\bcallingWasmExport: ${side === "export"}\b`);
  return (all, body) => isSyncLiteral(body!) && made.test(body!) ? replacement : all;
}

/**
 * Export wrapper: `const [task, id] = createNewCurrentTask({... isAsync: false ...})`.
 * The object literal has no braces inside (its functions are `() => null`).
 */
const EXPORT_TASK: Rule = {
  name: "export-task",
  find: /const \[task, _wasm_call_currentTaskID\] = createNewCurrentTask\(\{([^{}]*)\}\);/g,
  replace: syncTask("export", "const task = _weirSyncTask, _wasm_call_currentTaskID = 0;"),
};

/** Export wrapper: publishes the (sync, never-blocking) task to JSPI imports. */
const MAY_BLOCK: Rule = {
  name: "may-block",
  find: /CURRENT_TASK_MAY_BLOCK\.value = task\.mayBlock\(\) \? 1 : 0;/g,
  replace: "",
};

/** Trampoline: find the caller's task and subtask, create a host task under it. */
const IMPORT_TASK: Rule = {
  name: "import-task",
  find: new RegExp(
    [
      String.raw`const createTask = \(\) => \{`,
      String.raw`const results = createNewCurrentTask\(\{([^{}]*)\}\);`,
      String.raw`task = results\[0\];`,
      String.raw`\};`,
      String.raw`taskCreation: \{`,
      String.raw`parentTask = getCurrentTask\(`,
      String.raw`\d+,`,
      String.raw`_getGlobalCurrentTaskMeta\(\d+\)\?\.taskID,`,
      String.raw`\)\?\.task;`,
      String.raw`if \(!parentTask\) \{`,
      String.raw`createTask\(\);`,
      String.raw`break taskCreation;`,
      String.raw`\}`,
      String.raw`createTask\(\);`,
      String.raw`if \(hostProvided\) \{`,
      String.raw`subtask = parentTask\.getLatestSubtask\(\);`,
      String.raw`if \(!subtask\) \{`,
      String.raw`throw new Error\(\x60Missing subtask[^\n]*`,
      String.raw`\}`,
      String.raw`task\.setParentSubtask\(subtask\);`,
      String.raw`\}`,
      String.raw`\}`,
    ].join(S),
    "g",
  ),
  replace: syncTask("import", "task = _weirSyncTask;"),
};

/**
 * A closure run under the current-task marker (in exports: the body and the
 * core call; in trampolines: the host call): run it directly.
 */
const TASK_META: Rule = {
  name: "task-meta",
  find: new RegExp(
    String.raw`_withGlobalCurrentTaskMeta\(\{${S}` +
      String
        .raw`(?:taskID: task\.id\(\),${S}componentIdx: task\.componentIdx\(\),|componentIdx: task\.componentIdx\(\),${S}taskID: task\.id\(\),)` +
      String.raw`${S}fn: \(\) =>(?! \{)`,
    "g",
  ),
  replace: "_weirRunSync({ fn: () =>",
};

/** The export wrapper's body, likewise; it may hand back an `err` to throw (see ERR_RESULT). */
const EXPORT_BODY: Rule = {
  name: "export-body",
  find: new RegExp(
    String
      .raw`_withGlobalCurrentTaskMeta\(\{${S}taskID: task\.id\(\),${S}componentIdx: task\.componentIdx\(\),${S}fn: \(\) => \{`,
    "g",
  ),
  replace: "_weirRunExport({ fn: () => {",
};

/**
 * An export's `err` result: returned out of the body function and thrown by
 * `_weirRunExport`. A throw costs time in proportion to the size of the
 * functions on the stack (V8 looks up each frame's source position), and the
 * body function of an export is thousands of lines.
 */
const ERR_RESULT: Rule = {
  name: "err-result",
  find: new RegExp(
    String
      .raw`if \(typeof retCopy === 'object' && retCopy\.tag === 'err'\) \{${S}throw retCopy\.val;${S}\}`,
    "g",
  ),
  replace: "if (typeof retCopy === 'object' && retCopy.tag === 'err') {\n" +
    "            return new _WeirErr(retCopy.val);\n          }",
};

/** Import lowering: subtask bookkeeping around the trampoline. */
const LOWER_IMPORT: Rule = {
  name: "lower-import",
  find: /_lowerImportBackwardsCompat\.bind\(/g,
  replace: "_weirLowerSyncImport(",
};

const LEAN_RULES: readonly Rule[] = [
  EXPORT_TASK,
  MAY_BLOCK,
  IMPORT_TASK,
  EXPORT_BODY,
  TASK_META,
  ERR_RESULT,
  LOWER_IMPORT,
];

/** What must not be left in the component's code after the lean transforms. */
const LEFTOVERS = [
  "createNewCurrentTask(",
  "_withGlobalCurrentTaskMeta",
  "_lowerImportBackwardsCompat",
  "getCurrentTask(",
  "_getGlobalCurrentTaskMeta(",
  "CURRENT_TASK_MAY_BLOCK",
  "getLatestSubtask(",
  "setParentSubtask(",
  "parentTask.",
  "isAsync: true",
  "funcTypeIsAsync: true",
  "manuallyAsync =",
  "throw retCopy.val",
] as const;

/** The dead branch of each import: \`_trampolineN.manuallyAsync\` is never set. */
const DEAD_SUSPENDING = /_trampoline\d+\.manuallyAsync \? new WebAssembly\.Suspending\(/g;

/**
 * jco runtime helpers the component's code may still use after the lean
 * transforms: reviewed to depend on no task state. Any other runtime helper
 * (guest-to-guest adapters, borrow transfer, `context.get`, async intrinsics,
 * ...) reads the current task, so a component using one keeps jco's runtime.
 */
const ALLOWED_RUNTIME = new Set([
  "_checkMayLeave",
  "_guardMayLeave",
  "_trackHostOperation",
  "_debugLog",
  "_utf8AllocateAndEncode",
  "_utf16AllocateAndEncode",
  "_isValidNumericPrimitive",
  "_requireValidNumericPrimitive",
  "getErrorPayload",
  "getOrCreateAsyncState",
  "throwInvalidBool",
  "rscTableCreateOwn",
  "rscTableRemove",
  "rscTableGet",
  "finalizationRegistryCreate",
  "fetchCompile",
  "dataView",
  "HANDLE_TABLES",
  "INSTANCE_FLAGS",
  "T_FLAG",
  "TEXT_DECODER_UTF8",
  "TEXT_ENCODER_UTF8",
  // Only on the dead \`manuallyAsync\` branch (checked below).
  "_suspendingImport",
]);

/** Allowed by shape: value conversions, and the lift/lower factories only the replaced import path calls. */
function allowedRuntime(name: string): boolean {
  return ALLOWED_RUNTIME.has(name) || /^_(?:lift|lower)Flat[A-Z]\w*$/.test(name) ||
    /^to(?:Ui|I)nt(?:8|16|32|64)$/.test(name) || /^[iuf](?:32|64)To[IUF](?:32|64)$/.test(name);
}

/** Function, class and ALL-CAPS constant names declared in jco's runtime. */
function runtimeNames(runtime: string): Set<string> {
  const names = new Set<string>();
  for (const m of runtime.matchAll(/\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(/g)) names.add(m[1]!);
  for (const m of runtime.matchAll(/\bclass\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  for (const m of runtime.matchAll(/\b(?:const|let|var)\s+([A-Z_][A-Z0-9_]*)\s*=/g)) {
    names.add(m[1]!);
  }
  return names;
}

/** Identifiers the component's code uses (not as property names). */
function identifiers(component: string): Set<string> {
  return new Set(component.match(/(?<![\w$.])[A-Za-z_$][\w$]*/g) ?? []);
}

/** Helpers in jco's runtime that the lean helpers and the kept code rely on. */
const RUNTIME_NEEDS = [
  "function _checkMayLeave(componentIdx)",
  "function getOrCreateAsyncState(componentIdx",
  "markTrapped(err)",
  "throwIfTrapped()",
] as const;

function isSyncLiteral(body: string): boolean {
  return /\bisAsync: false\b/.test(body) && !/\bisAsync: true\b/.test(body);
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) {
    n++;
  }
  return n;
}

function applyRule(source: string, rule: Rule, applied: Record<string, number>): string {
  let n = 0;
  const out = source.replace(rule.find, (...args) => {
    const all = args[0] as string;
    const groups = args.slice(1, -2) as string[];
    const next = typeof rule.replace === "string" ? rule.replace : rule.replace(all, ...groups);
    if (next !== all) n++;
    return next;
  });
  applied[rule.name] = n;
  return out;
}

/** The async task machinery out of a synchronous component's code, or why not. */
function lean(
  runtime: string,
  component: string,
): { component: string; applied: Record<string, number> } | string {
  for (const need of RUNTIME_NEEDS) {
    if (!runtime.includes(need)) return `jco's runtime has no "${need}"`;
  }
  const exports = count(component, "const hostProvided = false;");
  const imports = count(component, "const hostProvided = true;");
  const lowered = count(component, "_lowerImportBackwardsCompat.bind(");
  const applied: Record<string, number> = {};
  let out = component;
  for (const rule of LEAN_RULES) out = applyRule(out, rule, applied);
  const expected: Record<string, number> = {
    "export-task": exports,
    "may-block": exports,
    "import-task": imports,
    "export-body": exports,
    "task-meta": exports + imports,
    "err-result": count(component, "throw retCopy.val;"),
    "lower-import": lowered,
  };
  for (const [name, want] of Object.entries(expected)) {
    if (applied[name] !== want) {
      return `transform ${name} matched ${applied[name]} places, expected ${want}`;
    }
  }
  for (const left of LEFTOVERS) {
    if (out.includes(left)) return `"${left}" is left in the component's code`;
  }
  // Each returned \`err\` inside an export whose body runs under _weirRunExport.
  for (const wrapper of out.split("const hostProvided = ")) {
    const at = wrapper.indexOf("new _WeirErr(");
    if (at >= 0 && !wrapper.slice(0, at).includes("_weirRunExport({ fn: () => {")) {
      return "an err result outside an export body";
    }
  }
  // JSPI wrappers only on the branch for \`manuallyAsync\` trampolines, which nothing sets.
  const dead = (out.match(DEAD_SUSPENDING) ?? []).length;
  if (count(out, "WebAssembly.Suspending(") !== dead || count(out, "_suspendingImport(") !== dead) {
    return "a JSPI-suspending import is left in the component's code";
  }
  // The component state is used only for trap recording and the may-leave flag.
  for (const m of out.matchAll(/getOrCreateAsyncState\(\d+\)\.(\w+)|\bcstate\.(\w+)/g)) {
    const method = m[1] ?? m[2]!;
    if (!["markTrapped", "throwIfTrapped", "mayLeave"].includes(method)) {
      return `the component's code uses the component state's "${method}"`;
    }
  }
  const used = identifiers(out);
  const foreign = [...runtimeNames(runtime)].filter((n) => used.has(n) && !allowedRuntime(n));
  if (foreign.length > 0) {
    return `the component uses jco runtime helpers that need the task machinery: ${
      foreign.sort().join(", ")
    }`;
  }
  return { component: out, applied };
}

/** `dataView(mem)`: asks the engine for `mem.buffer` only when it changed. */
const DATA_VIEW: Rule = {
  name: "data-view",
  find:
    /const dataView = mem => dv\.buffer === mem\.buffer \? dv : dv = new DataView\(mem\.buffer\);/g,
  replace: `let dvMem = null;
  let dvKeep = false;
  const dataView = mem => dvKeep && dvMem === mem && dv.buffer.byteLength !== 0 ? dv : _weirDataView(mem);
  function _weirDataView(mem) {
    const buffer = mem.buffer;
    dvMem = mem;
    // A shared memory's buffer is not detached when it grows: ask every time.
    dvKeep = typeof SharedArrayBuffer === 'undefined' || !(buffer instanceof SharedArrayBuffer);
    return dv = new DataView(buffer);
  }`,
};

/** Helpers of the always-applied transforms; inserted in `instantiate`'s scope, above the component. */
const COMMON_HELPERS = `
  // --- weir: helpers (src/wasm/bindings_patch.ts) ---
  function _weirUtf8Decode(mem, ptr, len) {
    // Pure ASCII decodes to the same string with or without TextDecoder (no BOM, nothing invalid).
    if (len <= 64 && len >= 0 && ptr >= 0) {
      const view = dataView(mem);
      const end = ptr + len;
      if (end <= view.byteLength) {
        let text = '';
        for (let i = ptr; i < end; i++) {
          const c = view.getUint8(i);
          if (c > 0x7f) { text = undefined; break; }
          text += String.fromCharCode(c);
        }
        if (text !== undefined) return text;
      }
    }
    return TEXT_DECODER_UTF8.decode(new Uint8Array(mem.buffer, ptr, len));
  }
  function _weirCopyBytes(mem, ptr, len) {
    const buffer = dataView(mem).buffer;
    if (!(ptr >= 0 && len >= 0 && buffer instanceof ArrayBuffer)) {
      return new Uint8Array(buffer.slice(ptr, ptr + len));
    }
    // What buffer.slice(ptr, ptr + len) copies: the part inside the buffer.
    const size = buffer.byteLength;
    const start = Math.min(ptr, size);
    const count = Math.max(Math.min(ptr + len, size) - start, 0);
    const out = new Uint8Array(count);
    out.set(new Uint8Array(buffer, start, count));
    return out;
  }
  // --- weir: end ---
`;

/** A string lifted from linear memory. */
const UTF8_DECODE: Rule = {
  name: "utf8-decode",
  find: /TEXT_DECODER_UTF8\.decode\(new Uint8Array\((memory\d+)\.buffer, (\w+), (\w+)\)\)/g,
  replace: (_all, memory, ptr, len) => `_weirUtf8Decode(${memory}, ${ptr}, ${len})`,
};

/** A `list<u8>` lifted from linear memory. */
const COPY_BYTES: Rule = {
  name: "copy-bytes",
  find: /new Uint8Array\((memory\d+)\.buffer\.slice\((\w+), \2 \+ (\w+) \* 1\)\)/g,
  replace: (_all, memory, ptr, len) => `_weirCopyBytes(${memory}, ${ptr}, ${len})`,
};

const DEBUG_ENV: Rule = {
  name: "debug-env",
  find: /globalThis\?\.process\?\.env\?\.JCO_DEBUG/g,
  replace: "false",
};

const CREATED_REPS: Rule = {
  name: "created-reps",
  find: /table\._createdReps\.add\(rep\);/g,
  replace: "",
};

/** Transforms {@linkcode patchBindings} can leave out (to measure them); "lean" is all of the lean ones. */
export type PatchName =
  | "lean"
  | "debug-env"
  | "created-reps"
  | "data-view"
  | "utf8-decode"
  | "copy-bytes";

/** Options for {@linkcode patchBindings}. */
export interface PatchOptions {
  /** Transforms not to apply. */
  readonly skip?: readonly PatchName[];
}

/** Applies every transform that fits; see the module documentation. */
export function patchBindings(js: string, options: PatchOptions = {}): BindingsPatch {
  const skip = new Set<string>(options.skip ?? []);
  const applied: Record<string, number> = {};
  const rule = (source: string, r: Rule) =>
    skip.has(r.name) ? source : applyRule(source, r, applied);
  let out = rule(js, DEBUG_ENV);
  // Only when nothing else reads the set: its creations and the one add.
  const reads = count(out, "_createdReps") - count(out, "._createdReps = new Set();");
  if (reads === 1) out = rule(out, CREATED_REPS);
  else applied[CREATED_REPS.name] = 0;
  out = rule(out, DATA_VIEW);

  const at = out.indexOf(COMPONENT_START);
  if (at < 0 || out.indexOf(COMPONENT_START, at + 1) >= 0) {
    return { js: out, applied, lean: false, reason: "no single component section" };
  }
  const runtime = out.slice(0, at);
  let component = rule(out.slice(at), UTF8_DECODE);
  component = rule(component, COPY_BYTES);
  const helpers = (applied[UTF8_DECODE.name] ?? 0) + (applied[COPY_BYTES.name] ?? 0) > 0
    ? COMMON_HELPERS
    : "";
  if (skip.has("lean")) {
    return { js: runtime + helpers + component, applied, lean: false, reason: "skipped" };
  }
  const result = lean(runtime, component);
  if (typeof result === "string") {
    return { js: runtime + helpers + component, applied, lean: false, reason: result };
  }
  return {
    js: runtime + helpers + LEAN_HELPERS + result.component,
    applied: { ...applied, ...result.applied },
    lean: true,
  };
}
