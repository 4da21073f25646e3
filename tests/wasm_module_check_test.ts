import assert from "node:assert/strict";
import { checkWorld, inspectModule } from "../src/wasm/mod.ts";

function world(...lines: string[]): string {
  return `package root:component;\n\nworld root {\n${lines.map((l) => `  ${l};`).join("\n")}\n}\n`;
}

Deno.test("checkWorld() accepts a 1.1.0 module and names its ABI and operators", () => {
  const info = checkWorld(
    world(
      "import wasm-graph:processor/types@1.1.0",
      "import wasm-graph:processor/logger@1.1.0",
      "import wasi:cli/environment@0.2.6",
      "import wasi:io/streams@0.2.3",
      "export wasm-graph:processor/%map@1.1.0",
      "export wasm-graph:processor/filter@1.1.0",
    ),
    "temperature",
  );
  assert.equal(info.abi, "1.1.0");
  assert.equal(info.package, "wasm-graph:processor");
  assert.deepEqual(info.operators, ["map", "filter"]);
});

Deno.test("checkWorld() accepts a 1.0.0 (tinykube) module", () => {
  const info = checkWorld(
    world(
      "import tinykube-graph:processor/types@1.0.0",
      "export tinykube-graph:processor/delay@1.0.0",
    ),
    "window",
  );
  assert.equal(info.abi, "1.0.0");
  assert.deepEqual(info.operators, ["delay"]);
});

Deno.test("checkWorld() refuses a foreign import, naming it", () => {
  assert.throws(
    () =>
      checkWorld(
        world("import acme:secrets/vault@1.0.0", "export wasm-graph:processor/%map@1.1.0"),
        "evil",
      ),
    /Module "evil" is refused: import "acme:secrets\/vault@1.0.0" is outside the host world and WASI 0.2/,
  );
});

Deno.test("checkWorld() accepts sockets, http and files, and names them as linked deny-all", () => {
  const info = checkWorld(
    world(
      "import wasi:io/streams@0.2.9",
      "import wasi:filesystem/types@0.2.9",
      "import wasi:filesystem/preopens@0.2.9",
      "import wasi:sockets/tcp@0.2.9",
      "import wasi:sockets/ip-name-lookup@0.2.9",
      "import wasi:http/outgoing-handler@0.2.0",
      "export wasm-graph:processor/%map@1.1.0",
    ),
    "py-map",
  );
  assert.deepEqual(info.denied, [
    "wasi:filesystem/types@0.2.9",
    "wasi:sockets/tcp@0.2.9",
    "wasi:sockets/ip-name-lookup@0.2.9",
    "wasi:http/outgoing-handler@0.2.0",
  ]);
});

Deno.test("checkWorld() refuses WASI that is not 0.2, or not an interface a host links", () => {
  assert.throws(
    () =>
      checkWorld(
        world(
          "import wasi:sockets/tcp@0.3.0-rc-2025-09-16",
          "import wasi:sockets/raw@0.2.9",
          "import wasi:cli/run@0.2.9",
          "import wasi:keyvalue/store@0.2.0-draft",
          "export wasm-graph:processor/%map@1.1.0",
        ),
        "m",
      ),
    new RegExp(
      [
        `Module "m" is refused: import "wasi:sockets/tcp@0.3.0-rc-2025-09-16" needs WASI 0.3.0-rc-2025-09-16; Weir provides 0.2.x`,
        `import "wasi:sockets/raw@0.2.9" is not a WASI 0.2 interface a host links`,
        `import "wasi:cli/run@0.2.9" is not a WASI 0.2 interface a host links`,
        `import "wasi:keyvalue/store@0.2.0-draft" is outside the host world and WASI 0.2$`,
      ].join("; ").replace(/[.]/g, "\\."),
    ),
  );
});

Deno.test("checkWorld() refuses a wrong ABI version, mixed ABIs and no operator", () => {
  assert.throws(
    () => checkWorld(world("export wasm-graph:processor/%map@1.2.0"), "m"),
    /export "wasm-graph:processor\/%map@1.2.0" has version 1.2.0; expected 1.1.0/,
  );
  assert.throws(
    () =>
      checkWorld(
        world(
          "export wasm-graph:processor/%map@1.1.0",
          "export tinykube-graph:processor/filter@1.0.0",
        ),
        "m",
      ),
    /mixes operator ABIs/,
  );
  assert.throws(
    () => checkWorld(world("import wasi:cli/stdout@0.2.6"), "m"),
    /exports no operator/,
  );
  assert.throws(
    () =>
      checkWorld(
        world("import wasm-graph:processor/secret@1.1.0", "export wasm-graph:processor/%map@1.1.0"),
        "m",
      ),
    /"wasm-graph:processor\/secret@1.1.0" is not in the host world/,
  );
});

Deno.test("inspectModule() refuses a real component that imports a foreign interface", async () => {
  const { componentEmbed, componentNew } = await import(
    "@bytecodealliance/jco-transpile/wasm-tools"
  );
  const witSource = `package acme:evil@1.0.0;
interface vault { steal: func() -> string; }
interface %map { process: func(x: u32) -> u32; }
world evil { import vault; export %map; }`;
  const core = await componentEmbed({ dummy: true, witSource, world: "evil" });
  const bytes = await componentNew(core, []);
  await assert.rejects(
    inspectModule(bytes, "evil.wasm"),
    /Module "evil.wasm" is refused: it exports no operator .*; import "acme:evil\/vault@1.0.0" is outside the host world and WASI 0.2/,
  );
  await assert.rejects(
    inspectModule(new Uint8Array([0, 97, 115, 109]), "junk"),
    /"junk" is not a WebAssembly component/,
  );
});
