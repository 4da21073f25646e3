import assert from "node:assert/strict";
import { componentEmbed, componentNew } from "@bytecodealliance/jco-transpile/wasm-tools";
import { jsonLogger, Metrics } from "../src/telemetry/mod.ts";
import {
  checkWorld,
  hostImports,
  importServices,
  type ModuleExports,
  Pollable,
  transpileComponent,
} from "../src/wasm/mod.ts";
import {
  probeWorldSource,
  readWasiWit,
  wasiWitDir,
  wasiWitNote,
  type WitCallable,
  type WitInterface,
} from "./_wasi_wit.ts";

type Imports = Record<string, Record<string, unknown>>;
type Fn = (...args: unknown[]) => unknown;

function imports(): Imports {
  return hostImports(
    "wasm-graph:processor",
    importServices({
      log: jsonLogger({ write: () => {}, level: "error" }),
      metrics: new Metrics(),
      labels: {},
    }),
  );
}

function member(all: Imports, iface: string, name: string): Fn {
  const value = all[iface]?.[name];
  assert.equal(typeof value, "function", `${iface} has no "${name}"`);
  return value as Fn;
}

/** A resource instance without running a constructor, as jco makes one for a handle it lends. */
function lent(all: Imports, iface: string, cls: string): Record<string, Fn> {
  return Object.create((member(all, iface, cls) as { prototype: object }).prototype);
}

Deno.test("hostImports() denies every socket a module asks for, with access-denied", () => {
  const all = imports();
  const denied = { tag: "err", val: "access-denied" };
  assert.deepEqual(
    member(all, "wasi:sockets/tcp-create-socket", "createTcpSocket")("ipv4"),
    denied,
  );
  assert.deepEqual(
    member(all, "wasi:sockets/udp-create-socket", "createUdpSocket")("ipv6"),
    denied,
  );
  const network = member(all, "wasi:sockets/instance-network", "instanceNetwork")();
  assert.ok(network instanceof (member(all, "wasi:sockets/network", "Network") as typeof Object));
  assert.deepEqual(
    member(all, "wasi:sockets/ip-name-lookup", "resolveAddresses")(network, "example.com"),
    denied,
  );
  // A forged handle still gets answers, not a host exception.
  const tcp = lent(all, "wasi:sockets/tcp", "TcpSocket");
  assert.deepEqual(tcp.startConnect!(network, { tag: "ipv4", val: {} }), denied);
  assert.equal(tcp.isListening!(), false);
  assert.ok(tcp.subscribe!() instanceof Pollable);
});

Deno.test("hostImports() denies http with HTTP-request-denied and files with access", () => {
  const all = imports();
  const Request = member(all, "wasi:http/types", "OutgoingRequest") as unknown as new (
    h: unknown,
  ) => Record<string, Fn>;
  const Fields = member(all, "wasi:http/types", "Fields") as unknown as new () => object;
  const request = new Request(new Fields());
  assert.deepEqual(request.setMethod!({ tag: "post" }), { tag: "err", val: undefined });
  assert.deepEqual(member(all, "wasi:http/outgoing-handler", "handle")(request, undefined), {
    tag: "err",
    val: { tag: "HTTP-request-denied" },
  });
  assert.deepEqual(
    (Fields as unknown as Record<string, Fn>).fromList!([["a", new Uint8Array()]]),
    { tag: "err", val: { tag: "forbidden" } },
  );
  assert.deepEqual(member(all, "wasi:filesystem/preopens", "getDirectories")(), []);
  const dir = lent(all, "wasi:filesystem/types", "Descriptor");
  assert.deepEqual(dir.openAt!({}, "/etc/passwd", {}, {}), { tag: "err", val: "access" });
});

/** What a denied `result` must carry, by package and error type. */
function expectedDenial(iface: string, error: string | undefined): unknown {
  if (error === undefined) return undefined;
  if (iface.startsWith("wasi:sockets/") && error === "error-code") return "access-denied";
  if (iface.startsWith("wasi:filesystem/") && error === "error-code") return "access";
  if (iface.startsWith("wasi:http/") && error === "error-code") {
    return { tag: "HTTP-request-denied" };
  }
  if (iface.startsWith("wasi:http/") && error === "header-error") return { tag: "forbidden" };
  throw new Error(`no denial known for ${iface} error type ${error}`);
}

/** The host function jco calls for `c`, or a reason it is missing. */
function target(all: Imports, iface: WitInterface, c: WitCallable): Fn | string {
  const obj = all[iface.key];
  if (obj === undefined) return `${iface.key} is not linked`;
  if (c.kind === "function") {
    return typeof obj[c.name] === "function" ? obj[c.name] as Fn : `no function ${c.name}`;
  }
  const cls = obj[c.resource!] as (Fn & { prototype: Record<string, unknown> }) | undefined;
  if (typeof cls !== "function") return `no class ${c.resource}`;
  if (c.kind === "constructor") {
    return (...args) => new (cls as unknown as new (...a: unknown[]) => object)(...args);
  }
  const fn = c.kind === "static"
    ? (cls as unknown as Record<string, unknown>)[c.name]
    : cls.prototype[c.name];
  return typeof fn === "function"
    ? (fn as Fn).bind(c.kind === "static" ? cls : Object.create(cls.prototype))
    : `no ${c.kind} ${c.resource}.${c.name}`;
}

const DENIED_PACKAGES = /^wasi:(sockets|http)\/|^wasi:filesystem\/types$/;

Deno.test({
  name: "hostImports() provides every WASI 0.2 function, and the denied ones answer their error" +
    wasiWitNote(),
  ignore: wasiWitDir() === undefined,
  fn: async () => {
    const wit = await readWasiWit(wasiWitDir()!);
    const all = imports();
    const missing: string[] = [];
    let deniedCalls = 0;
    for (const iface of wit) {
      // Exports in WASI's own worlds; a module never imports them from a host.
      if (iface.key === "wasi:cli/run") continue;
      for (const r of iface.resources) {
        if (typeof all[iface.key]?.[r] !== "function") missing.push(`${iface.key} class ${r}`);
      }
      for (const c of iface.callables) {
        const fn = target(all, iface, c);
        if (typeof fn === "string") {
          missing.push(`${iface.key}: ${fn}`);
          continue;
        }
        if (!DENIED_PACKAGES.test(iface.key)) continue;
        const label = `${iface.key} ${c.resource ?? ""}.${c.name}`;
        const answer = fn();
        deniedCalls++;
        if (c.isResult) {
          assert.deepEqual(answer, { tag: "err", val: expectedDenial(iface.key, c.error) }, label);
        } else if (c.returns === "pollable") {
          assert.ok(answer instanceof Pollable && answer.ready(), label);
        } else if (c.returns === "bool") {
          assert.equal(answer, false, label);
        }
      }
    }
    assert.deepEqual(missing, []);
    // sockets, http and filesystem types: well over a hundred calls.
    assert.ok(deniedCalls > 120, `only ${deniedCalls} denied calls checked`);
  },
});

Deno.test({
  name: "a component importing all of WASI 0.2 passes the module check and links through jco" +
    wasiWitNote(),
  ignore: wasiWitDir() === undefined,
  fn: async () => {
    const dir = wasiWitDir()!;
    const wit = await readWasiWit(dir);
    const names = wit
      .filter((i) => i.key !== "wasi:cli/run")
      .map((i) => `${i.key}@${i.version}`);
    assert.ok(names.length >= 28, names.join(", "));
    const world = `package root:component;\nworld root {\n${
      [...names.map((n) => `import ${n}`), "export wasm-graph:processor/%map@1.1.0"]
        .map((l) => `  ${l};`).join("\n")
    }\n}\n`;
    const info = checkWorld(world, "probe");
    assert.ok(info.denied.includes(names.find((n) => n.startsWith("wasi:sockets/tcp@"))!));

    const core = await componentEmbed({
      dummy: true,
      witSource: await probeWorldSource(dir, names),
      world: "probe",
      features: { tag: "all" },
    });
    const bindings = await transpileComponent(await componentNew(core, []));
    for (const name of names) {
      assert.ok(bindings.js.includes(`imports['${name.split("@")[0]}']`), name);
    }
    const url = URL.createObjectURL(new Blob([bindings.js], { type: "text/javascript" }));
    const { instantiate } = await import(url) as {
      instantiate: (
        core: (name: string) => Promise<WebAssembly.Module>,
        imports: Imports,
      ) => Promise<ModuleExports>;
    };
    URL.revokeObjectURL(url);
    // jco checks here that every function and class it destructures is present.
    await instantiate(
      (n) => WebAssembly.compile(bindings.cores.get(n)! as Uint8Array<ArrayBuffer>),
      imports(),
    );
  },
});
