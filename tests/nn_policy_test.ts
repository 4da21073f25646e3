/**
 * wasi-nn through graphs (the offline runner): inference only with the
 * graph's "wasi-nn" feature and the gateway's switch on, otherwise
 * `security` naming what is missing; a bad model fails only its message.
 */
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { checkWorld, WASI_NN_VERSION } from "../src/wasm/mod.ts";
import { join } from "node:path";
import { MODULES_DIR } from "./_modules.ts";
import { ROOT } from "./_samples.ts";
import { fp32, modelPath, NN_NOTE, NN_READY, probeGraphText, runProbe } from "./_nn.ts";

const SCORE = {
  load: { name: "anomaly-scorer" },
  inputs: [fp32("X", [1, 8], [1, 2, 3, 4, 5, 6, 7, 8])],
};

function securityText(answer: any): string {
  assert.equal(answer.error?.code, "security", JSON.stringify(answer));
  assert.equal(answer.error.stage, "load");
  return answer.error.data;
}

for (const isolation of ["worker", "none"] as const) {
  Deno.test({
    name:
      `wasi-nn (isolation ${isolation}): a graph without the wasi-nn feature links the module, and load answers security naming the feature${NN_NOTE}`,
    ignore: !NN_READY,
    fn: async () => {
      const { answers, deadLetters } = await runProbe([SCORE, { load: { bytes: "CAg=" } }], {
        isolation,
        features: false,
      });
      assert.deepEqual(deadLetters, []);
      for (const answer of answers) {
        assert.equal(
          securityText(answer),
          'Inference is not allowed: graph "nn-probe" does not declare the "wasi-nn" feature (moduleRequirements.features: [{name: "wasi-nn"}])',
        );
      }
    },
  });

  Deno.test({
    name:
      `wasi-nn (isolation ${isolation}): the switch off answers security naming the switch, and both reasons when both are missing${NN_NOTE}`,
    ignore: !NN_READY,
    fn: async () => {
      const off = await runProbe([SCORE], { isolation, wasiNn: false });
      assert.equal(
        securityText(off.answers[0]),
        "Inference is not allowed: wasi-nn is switched off on this gateway (--no-wasi-nn)",
      );
      const both = await runProbe([SCORE], { isolation, wasiNn: false, features: false });
      const text = securityText(both.answers[0]);
      assert.match(text, /does not declare the "wasi-nn" feature/);
      assert.match(text, /; and wasi-nn is switched off on this gateway \(--no-wasi-nn\)/);
    },
  });

  Deno.test({
    name:
      `wasi-nn (isolation ${isolation}): a malformed or too-large model fails only its own message; the graph goes on${NN_NOTE}`,
    ignore: !NN_READY,
    fn: async () => {
      const { answers, deadLetters } = await runProbe([
        { load: { fill: 100, byte: 9 } },
        SCORE,
        { load: { fill: 5000 } },
        { load: { name: "cnn-224" } },
        SCORE,
      ], { isolation, nnLimits: { maxModelBytes: 4096 } });
      assert.deepEqual(deadLetters, []);
      assert.equal(answers.length, 5);
      assert.equal(answers[0].error.code, "invalid-argument");
      assert.match(answers[0].error.data, /is not a valid ONNX model/);
      assert.equal(answers[2].error.code, "too-large");
      assert.equal(answers[3].error.code, "too-large");
      for (const i of [1, 4]) {
        const score = answers[i].outputs?.[0]?.data?.[0];
        assert.ok(score > 0 && score < 1, JSON.stringify(answers[i]));
      }
    },
  });
}

Deno.test("checkWorld() accepts wasi-nn at AIO's revision without a feature and refuses other revisions", () => {
  const world = (nn: string) =>
    `package root:component;
world root {
  import wasi:nn/${nn};
  import wasm-graph:processor/types@1.1.0;
  export wasm-graph:processor/map@1.1.0;
}`;
  for (const iface of ["tensor", "graph", "inference", "errors"]) {
    const info = checkWorld(world(`${iface}@${WASI_NN_VERSION}`), "m");
    assert.ok(info.imports.includes(`wasi:nn/${iface}@${WASI_NN_VERSION}`));
  }
  assert.throws(
    () => checkWorld(world("graph@0.2.0-rc-2024-06-25"), "old"),
    /import "wasi:nn\/graph@0.2.0-rc-2024-06-25" needs wasi-nn 0.2.0-rc-2024-06-25; Weir provides 0.2.0-rc-2024-10-28/,
  );
  assert.throws(
    () => checkWorld(world(`training@${WASI_NN_VERSION}`), "t"),
    /is not a wasi-nn interface/,
  );
});

Deno.test({
  name:
    `weir graph test --model name=path registers models; --no-wasi-nn switches inference off${NN_NOTE}`,
  ignore: !NN_READY,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const graph = join(dir, "graph.yaml");
    await Deno.writeTextFile(graph, probeGraphText(true));
    const input = join(dir, "in.jsonl");
    await Deno.writeTextFile(
      input,
      JSON.stringify({
        topic: "t",
        payload: JSON.stringify({ ...SCORE, load: { name: "scorer" } }),
      }) +
        "\n",
    );
    const run = async (...extra: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          "--allow-write",
          "--allow-env",
          "--allow-ffi",
          "--allow-net=127.0.0.1",
          "--unstable-worker-options",
          join(ROOT, "main.ts"),
          "graph",
          "test",
          graph,
          "--modules",
          MODULES_DIR,
          "--input",
          input,
          "--model",
          `scorer=${modelPath("anomaly-scorer")}`,
          ...extra,
        ],
        env: { NO_COLOR: "1" },
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      return JSON.parse(JSON.parse(stdout.trim()).payload);
    };
    const scored = await run();
    assert.equal(scored.outputs[0].name, "score");
    assert.equal(
      securityText(await run("--no-wasi-nn")),
      "Inference is not allowed: wasi-nn is switched off on this gateway (--no-wasi-nn)",
    );
  },
});
