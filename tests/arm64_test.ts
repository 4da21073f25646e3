/**
 * The arm64 release under emulation (qemu-user, called explicitly: there is
 * no binfmt registration on the test machines): its runtime and native files
 * are aarch64, `weir graph test` runs the sample graph, ONNX Runtime's arm64
 * build computes what the x64 one computes, and the gateway starts and
 * forwards messages through the temperature graph. AIO's sample vectors are
 * not run under emulation: each emulated start costs tens of seconds, and the
 * same bundle runs them natively (tests/graph_test_cli_test.ts).
 *
 * qemu-user 7.2 shows programs the host's /proc/cpuinfo (x86's); onnxruntime's
 * CPU detection crashes on it. The emulated commands therefore see an arm64
 * /proc/cpuinfo (bound over it in a private mount namespace), as they would
 * on arm64 hardware.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { HAS_MOSQUITTO, startMosquitto } from "./_mosquitto.ts";
import { freePort } from "./_mosquitto.ts";
import {
  CAN_PACKAGE,
  elfMachine,
  IS_ROOT,
  PACKAGE_NOTE,
  packageScratch,
  sh,
  testPackage,
  unpack,
} from "./_package.ts";
import { ROOT } from "./_samples.ts";

const QEMU = "/usr/bin/qemu-aarch64-static";
const SYSROOT = "/usr/aarch64-linux-gnu";
const HAS_QEMU = existsSync(QEMU) && existsSync(join(SYSROOT, "lib/ld-linux-aarch64.so.1")) &&
  existsSync(join(SYSROOT, "lib/libstdc++.so.6"));
const QEMU_NOTE = HAS_QEMU
  ? ""
  : " (skipped: run bash .ci/install-appliance-tools.sh for qemu-user)";

const ARM64_CPUINFO = Array.from({ length: 2 }, (_, i) =>
  [
    `processor\t: ${i}`,
    "BogoMIPS\t: 108.00",
    "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp",
    "CPU implementer\t: 0x41",
    "CPU architecture: 8",
    "CPU variant\t: 0x3",
    "CPU part\t: 0xd0c",
    "CPU revision\t: 1",
    "",
  ].join("\n")).join("\n");

/** The arm64 release, unpacked, with bin/deno running the real aarch64 runtime through qemu. */
async function emulatedRelease(): Promise<string> {
  const dir = join(packageScratch(), "arm64");
  const rel = join(dir, (await testPackage("arm64")).name);
  if (existsSync(join(rel, "bin/deno.aarch64"))) return rel;
  await unpack(await testPackage("arm64"), dir);
  await Deno.rename(join(rel, "bin/deno"), join(rel, "bin/deno.aarch64"));
  await Deno.writeTextFile(
    join(rel, "bin/deno"),
    `#!/bin/sh\nexec ${QEMU} -L ${SYSROOT} "$(dirname "$0")/deno.aarch64" "$@"\n`,
    { mode: 0o755 },
  );
  await Deno.writeTextFile(join(dir, "cpuinfo"), ARM64_CPUINFO);
  return rel;
}

/** Runs a command of the emulated release, seeing an arm64 /proc/cpuinfo (as root). */
function emulated(rel: string, args: string[], options: { cwd?: string; stdin?: string } = {}) {
  const cpuinfo = join(rel, "..", "cpuinfo");
  return IS_ROOT
    ? sh("unshare", [
      "--mount",
      "sh",
      "-c",
      'mount --make-rprivate / && mount --bind "$0" /proc/cpuinfo && exec "$@"',
      cpuinfo,
      ...args,
    ], options)
    : sh(args[0]!, args.slice(1), options);
}

Deno.test({
  name:
    "deno task package: the arm64 release holds the aarch64 runtime and ONNX Runtime's arm64 files only" +
    PACKAGE_NOTE,
  ignore: !CAN_PACKAGE,
  fn: async () => {
    const pkg = await testPackage("arm64");
    assert.match(pkg.archive, /-linux-arm64\.tar\.gz$/);
    const rel = await unpack(pkg, join(packageScratch(), "content-arm64"));
    assert.equal(await elfMachine(join(rel, "bin/deno")), 0xb7);
    const napi = join(rel, "node_modules/onnxruntime-node/bin/napi-v6/linux");
    assert.deepEqual((await Array.fromAsync(Deno.readDir(napi))).map((e) => e.name), ["arm64"]);
    assert.equal(await elfMachine(join(napi, "arm64/onnxruntime_binding.node")), 0xb7);
    assert.equal(await elfMachine(join(napi, "arm64/libonnxruntime.so.1")), 0xb7);
    const sbom = await Deno.readTextFile(join(rel, "sbom.cdx.json"));
    assert.match(sbom, /"purl": "pkg:npm\/%40deno\/linux-arm64-glibc@2\.9\.6"/);
    const build = JSON.parse(await Deno.readTextFile(join(rel, "lib/weir/build.json")));
    assert.equal(build.target, "linux-arm64");
    const check = await sh("sha256sum", ["--quiet", "--strict", "-c", "SHA256SUMS"], { cwd: rel });
    assert.equal(check.code, 0, check.stdout);
  },
});

const temperatureLine = (value: number) =>
  JSON.stringify({
    topic: "sensors/a",
    payload: JSON.stringify({ temperature: { value, unit: "F" } }),
  }) +
  "\n";

Deno.test({
  name: "arm64 under emulation: weir --version and weir graph test on the temperature graph" +
    PACKAGE_NOTE + QEMU_NOTE,
  ignore: !CAN_PACKAGE || !HAS_QEMU,
  fn: async () => {
    const rel = await emulatedRelease();
    const version = await emulated(rel, [join(rel, "bin/weir"), "--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /\narch: aarch64 \(aarch64-unknown-linux-gnu\)/);
    assert.match(version.stdout, /linux-arm64\n/);
    const started = performance.now();
    const run = await emulated(rel, [
      join(rel, "bin/weir"),
      "graph",
      "test",
      join(rel, "graphs/temperature.yaml"),
      "--modules",
      join(rel, "modules/dist"),
      "--input",
      "-",
      "--deadline",
      "120000",
    ], { stdin: temperatureLine(212) + temperatureLine(32) });
    assert.equal(run.code, 0, run.stderr);
    const values = run.stdout.trim().split("\n").map((l) =>
      JSON.parse(JSON.parse(l).payload).temperature.value
    );
    assert.deepEqual(values, [100, 0]);
    // deno-lint-ignore no-console
    console.log(`    emulated graph test: ${Math.round(performance.now() - started)} ms`);
  },
});

Deno.test({
  name: "arm64 under emulation: ONNX Runtime's arm64 build loads and scores as the x64 one does" +
    PACKAGE_NOTE + QEMU_NOTE +
    (IS_ROOT ? "" : " (skipped: needs root for the arm64 /proc/cpuinfo)"),
  ignore: !CAN_PACKAGE || !HAS_QEMU || !IS_ROOT,
  fn: async () => {
    const rel = await emulatedRelease();
    const reading = JSON.stringify({
      topic: "sensors/press-4",
      payload: JSON.stringify({ temperature: 95, vibration: 1.4, pressure: 108.2 }),
    }) + "\n";
    const args = (weir: string, dist: string) => [
      weir,
      "graph",
      "test",
      join(ROOT, "graphs/anomaly.yaml"),
      "--modules",
      dist,
      "--input",
      "-",
      "--model",
      `anomaly-scorer=${join(dist, "models/anomaly-scorer.onnx")}`,
      "--log-level",
      "info",
      "--deadline",
      "120000",
    ];
    const arm = await emulated(rel, args(join(rel, "bin/weir"), join(rel, "modules/dist")), {
      stdin: reading,
    });
    assert.equal(arm.code, 0, arm.stderr);
    assert.match(arm.stderr, /"msg":"wasi-nn runs on onnxruntime-node"/, arm.stderr);
    const x64Release = join(packageScratch(), "content-arm64-x64ref");
    const x64 = join(await unpack(await testPackage("x64"), x64Release), "bin/weir");
    const native = await sh(
      args(x64, join(ROOT, "modules/dist"))[0]!,
      args(x64, join(ROOT, "modules/dist")).slice(1),
      {
        stdin: reading,
      },
    );
    assert.equal(native.code, 0, native.stderr);
    const score = (out: string) => JSON.parse(JSON.parse(out.trim()).payload).anomaly_score;
    assert.equal(score(arm.stdout), score(native.stdout));
  },
});

Deno.test({
  name:
    "arm64 under emulation: the gateway starts from bin/weir with its computed permissions and " +
    "forwards through the temperature graph" + PACKAGE_NOTE + QEMU_NOTE,
  ignore: !CAN_PACKAGE || !HAS_QEMU || !HAS_MOSQUITTO,
  fn: async () => {
    const rel = await emulatedRelease();
    const broker = await startMosquitto();
    const dir = await Deno.makeTempDir({ dir: packageScratch(), prefix: "arm64-gw-" });
    const [admin, metrics] = [await freePort(), await freePort()];
    await Deno.writeTextFile(
      join(dir, "gateway.yaml"),
      `endpoints:\n  local: { url: "${broker.url}" }\n` +
        `dataflows:\n  temperature:\n    source: { endpoint: local, topics: ["sensors/#"] }\n` +
        `    graph: { file: ${join(rel, "graphs/temperature.yaml")} }\n` +
        `    destination: { endpoint: local, topic: "processed/temperature" }\n` +
        `dataDir: ${join(dir, "data")}\nadmin: { port: ${admin} }\n`,
    );
    const gateway = new Deno.Command(join(rel, "bin/weir"), {
      args: ["start", "--config", join(dir, "gateway.yaml"), "--metrics-port", String(metrics)],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = Promise.all([
      new Response(gateway.stdout).text(),
      new Response(gateway.stderr).text(),
    ]);
    let stopped: Promise<string[]> | undefined;
    const stop = () => {
      stopped ??= (async () => {
        try {
          gateway.kill("SIGTERM");
        } catch {
          // already gone
        }
        await gateway.status;
        return await output;
      })();
      return stopped;
    };
    try {
      const probeChild = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-net=127.0.0.1",
          "--allow-env",
          "--allow-read",
          "--config",
          join(ROOT, "deno.json"),
          join(ROOT, "tests/_appliance_probe.ts"),
          broker.url,
          `http://127.0.0.1:${admin}`,
          `http://127.0.0.1:${metrics}/metrics`,
          "2",
          "900000",
        ],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const probeOutput = Promise.all([
        new Response(probeChild.stdout).text(),
        new Response(probeChild.stderr).text(),
      ]);
      // A gateway that exits during start fails the test at once, with its output.
      const first = await Promise.race([
        probeChild.status.then(() => "probe"),
        gateway.status.then(() => "gateway"),
      ]);
      if (first === "gateway") {
        probeChild.kill("SIGTERM");
        await probeChild.status;
        await probeOutput;
        assert.fail(`the gateway exited while starting:\n${(await stop()).join("\n")}`);
      }
      const [stdout, stderr] = await probeOutput;
      const probe = { stdout, stderr };
      const result = JSON.parse(probe.stdout.trim());
      assert.equal(
        result.error,
        undefined,
        probe.stdout + probe.stderr + (await stop()).join("\n"),
      );
      const values = result.received.map((p: string) => JSON.parse(p).temperature.value).sort();
      assert.deepEqual(values, [100, 105]);
      // deno-lint-ignore no-console
      console.log(`    emulated gateway ready in ${result.readyMs} ms`);
    } finally {
      const [out, err] = await stop();
      await broker.stop();
      const status = await gateway.status;
      assert.equal(status.code, 0, `gateway exit ${status.code}:\n${out}\n${err}`);
    }
  },
});
