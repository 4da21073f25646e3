import assert from "node:assert/strict";
import { join } from "node:path";
import { memoryOutput, runCli } from "../src/cli/mod.ts";
import { inspectModule } from "../src/wasm/mod.ts";
import { modulePath, MODULES_DIR, modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT } from "./_samples.ts";

async function run(dir: string, name: string, ...extra: string[]) {
  const out = memoryOutput();
  const base = join(ROOT, "modules", dir, "examples");
  const code = await runCli(
    [
      "graph",
      "test",
      join(base, `${name}.yaml`),
      "--modules",
      MODULES_DIR,
      "--input",
      join(base, `${name}.jsonl`),
      ...extra,
    ],
    out,
  );
  assert.equal(code, 0, out.errors.join("\n"));
  return out;
}

async function example(dir: string, name: string, ...extra: string[]) {
  const out = await run(dir, name, ...extra);
  return out.lines.map((l) => JSON.parse(l).payload as string);
}

const ISOLATIONS = ["worker", "none"] as const;
const PY = ["py-map", "py-filter", "py-branch", "py-netprobe"];

Deno.test({
  name:
    "Python modules are plain componentize-py builds: they import wasi:sockets and pass the module check" +
    modulesNote(...PY),
  ignore: !modulesBuilt(...PY),
  fn: async () => {
    for (const name of PY) {
      const info = await inspectModule(await Deno.readFile(modulePath(name)), name);
      // CPython's sockets, left as componentize-py made them (no stub composed in).
      for (const iface of ["network", "instance-network", "tcp", "tcp-create-socket", "udp"]) {
        assert.ok(
          info.denied.some((d) => d.startsWith(`wasi:sockets/${iface}@0.2.`)),
          `${name} does not import wasi:sockets/${iface}: ${info.imports.join(", ")}`,
        );
      }
      assert.ok(info.imports.some((i) => i.startsWith("wasi:cli/stdout@0.2.")), name);
    }
  },
});

for (const isolation of ISOLATIONS) {
  const mode = ["--isolation", isolation];

  Deno.test({
    name: `Python map converts °F to whole °C (T23), isolation ${isolation}` +
      modulesNote("py-map"),
    ignore: !modulesBuilt("py-map"),
    fn: async () => {
      const payloads = await example("python", "map", ...mode);
      assert.equal(payloads[0], '{"temperature": {"value": 654, "unit": "C"}}');
    },
  });

  Deno.test({
    name:
      `Python filter drops readings under the threshold, configurable (T24), isolation ${isolation}` +
      modulesNote("py-filter"),
    ignore: !modulesBuilt("py-filter"),
    fn: async () => {
      assert.deepEqual(await example("python", "filter", ...mode), [
        '{"temperature":{"value":86,"unit":"F"}}',
        '{"humidity":{"value":85}}',
      ]);
      assert.equal(
        (await example("python", "filter", ...mode, "--config", "temperature_threshold=5"))
          .length,
        3,
      );
    },
  });

  Deno.test({
    name:
      `Python branch sends temperature to arm False and humidity to arm True (T25), isolation ${isolation}` +
      modulesNote("py-branch", "py-map"),
    ignore: !modulesBuilt("py-branch", "py-map"),
    fn: async () => {
      // The False arm runs through py-map; the True arm goes straight to the sink.
      assert.deepEqual(await example("python", "branch", ...mode), [
        '{"temperature": {"value": 654, "unit": "C"}}',
        '{"humidity":{"value":85}}',
      ]);
    },
  });

  Deno.test({
    name:
      `a Python module's socket calls get PermissionError EACCES, reach nothing, and never trap, isolation ${isolation}` +
      modulesNote("py-netprobe"),
    ignore: !modulesBuilt("py-netprobe"),
    fn: async () => {
      // A listener the module is pointed at: a leak through the deny-all would show up here.
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const { port } = listener.addr as Deno.NetAddr;
      let accepted = 0;
      const accepting = (async () => {
        for await (const conn of listener) {
          accepted++;
          conn.close();
        }
      })();
      const dir = await Deno.makeTempDir({ prefix: "weir-netprobe-" });
      try {
        const input = join(dir, "in.jsonl");
        const requests = [
          { connect: `127.0.0.1:${port}` },
          { resolve: "example.com" },
          { urlopen: `http://127.0.0.1:${port}/` },
          { connect: `localhost:${port}`, fail: true },
        ];
        await Deno.writeTextFile(
          input,
          requests.map((r, i) =>
            JSON.stringify({
              topic: `probe/${i}`,
              payload: JSON.stringify(r),
              ts: `${1000 + i}:0:a`,
            })
          ).join("\n") + "\n",
        );
        const out = memoryOutput();
        const code = await runCli([
          "graph",
          "test",
          join(ROOT, "modules/python/examples/netprobe.yaml"),
          "--modules",
          MODULES_DIR,
          "--input",
          input,
          "--log-level",
          "info",
          ...mode,
        ], out);
        assert.equal(code, 0, out.errors.join("\n"));
        const refused = { ok: false, error: "PermissionError", errno: "EACCES" };
        const outputs = out.lines.map((l) => JSON.parse(JSON.parse(l).payload));
        assert.deepEqual(
          outputs.map(({ attempt, ok, error, errno }) => ({ attempt, ok, error, errno })),
          [
            { attempt: "connect", ...refused },
            { attempt: "resolve", ...refused },
            { attempt: "urlopen", ...refused },
          ],
        );
        // The fourth turned its refusal into the WIT error: a dead letter, not a trap.
        const deadLetters = out.errors.filter((l) => l.includes('"kind":"dead-letter"'))
          .map((l) => JSON.parse(l));
        assert.equal(deadLetters.length, 1, out.errors.join("\n"));
        assert.match(
          deadLetters[0].reason,
          /^connect localhost:\d+ refused: PermissionError EACCES: .*Permission denied/,
        );
        assert.deepEqual(
          out.errors.filter((l) => /trap|Traceback|panicked/.test(l)),
          [],
          "no trap and no uncaught Python exception",
        );
        assert.equal(accepted, 0, "the module reached the listener");
      } finally {
        listener.close();
        await accepting.catch(() => {});
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "JS map converts °F to °C" + modulesNote("js-map"),
  ignore: !modulesBuilt("js-map"),
  fn: async () => {
    const payloads = await example("js", "map");
    assert.equal(payloads[0], '{"temperature":{"value":653.8888888888889,"unit":"C"}}');
  },
});
