/**
 * The CLI commands the appliance relies on: `weir --version`, `weir config
 * check` (the unit's ExecStartPre) and the permissions `weir start` asks for
 * (`--print-deno-flags`, which bin/weir starts the gateway with), plus
 * `deno task weir` resolving paths against the caller's folder.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  BASE_ENV_NAMES,
  memoryOutput,
  runCli,
  startPermissions,
  type StartPermissionsInput,
} from "../src/cli/mod.ts";
import { parseConfig } from "../src/gateway/mod.ts";
import { freePort } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";

const CONFIG = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));

Deno.test("weir --version prints the version, the build, the Deno version and the architecture", async () => {
  for (const flag of ["--version", "-V", "version"]) {
    const out = memoryOutput();
    assert.equal(await runCli([flag], out), 0);
    assert.deepEqual(out.lines, [
      `weir ${CONFIG.version}`,
      "build: source checkout",
      `deno: ${Deno.version.deno} (v8 ${Deno.version.v8}, typescript ${Deno.version.typescript})`,
      `arch: ${Deno.build.arch} (${Deno.build.target})`,
    ]);
  }
});

async function scratch(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "weir-config-check-" });
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
  return dir;
}

const GATEWAY = (graph: string) =>
  `endpoints:\n  local: { url: "mqtt://127.0.0.1:1883" }\n` +
  `dataflows:\n  t:\n    source: { endpoint: local, topics: ["s/#"] }\n` +
  `    graph: { file: ${graph} }\n    destination: { endpoint: local, topic: "out" }\n`;

Deno.test("weir config check: ok for a valid file and its graph; 1 with file:line:col for either's problems", async () => {
  const graph = await Deno.readTextFile(join(ROOT, "graphs/temperature.yaml"));
  const dir = await scratch({
    "good.yaml": GATEWAY("graph.yaml"),
    "graph.yaml": graph,
    "bad.yaml": GATEWAY("graph.yaml").replace('topics: ["s/#"]', "topics: 7"),
    "bad-graph.yaml": GATEWAY("broken.yaml"),
    "broken.yaml": graph.replace('operationType: "map"', 'operationType: "mapp"'),
  });
  try {
    const ok = memoryOutput();
    assert.equal(await runCli(["config", "check", join(dir, "good.yaml")], ok), 0);
    assert.deepEqual(ok.lines, [`ok ${join(dir, "good.yaml")} (1 dataflow)`]);

    const bad = memoryOutput();
    assert.equal(await runCli(["config", "check", join(dir, "bad.yaml")], bad), 1);
    assert.match(
      bad.errors.join("\n"),
      new RegExp(`^${join(dir, "bad.yaml")}:5:40: dataflows.t.source.topics: found number 7`),
    );

    const badGraph = memoryOutput();
    assert.equal(await runCli(["config", "check", join(dir, "bad-graph.yaml")], badGraph), 1);
    assert.match(badGraph.errors.join("\n"), new RegExp(`${join(dir, "broken.yaml")}:\\d+:\\d+: `));

    const missing = memoryOutput();
    assert.equal(await runCli(["config", "check", join(dir, "nope.yaml")], missing), 1);
    assert.match(missing.errors[0]!, /Cannot read configuration file/);

    const usage = memoryOutput();
    assert.equal(await runCli(["config", "check"], usage), 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function input(yaml: string, extra: Partial<StartPermissionsInput> = {}): StartPermissionsInput {
  return {
    config: parseConfig(yaml, "/etc/weir/gateway.yaml", { baseDir: "/etc/weir" }),
    configFile: "/etc/weir/gateway.yaml",
    appDir: "/opt/weir/releases/1",
    modulesDir: "/opt/weir/releases/1/modules/dist",
    dataDir: "/unused",
    metricsPort: 9464,
    onnxRuntime: {
      node: "/opt/weir/releases/1/node_modules/onnxruntime-node",
      web: "/opt/weir/releases/1/node_modules/onnxruntime-web",
    },
    ...extra,
  };
}

function flag(flags: string[], name: string): string[] | undefined {
  const line = flags.find((f) => f === `--${name}` || f.startsWith(`--${name}=`));
  return line === undefined ? undefined : line.includes("=") ? line.split("=")[1]!.split(",") : [];
}

Deno.test("startPermissions(): scoped to the configured brokers, registries, listeners, files and variables", () => {
  const flags = startPermissions(input(
    `endpoints:
  local: { url: "mqtt://127.0.0.1" }
  up:
    url: "mqtts://broker.example"
    tls: { ca: /etc/ssl/plant/ca.pem }
    credentials: { username: gw, passwordEnv: UPSTREAM_PASSWORD }
  v6: { url: "mqtt://[::1]:1885" }
registries:
  plant: { host: registry.example/weir, credentials: { username: gw, passwordFile: secrets/reg.pw } }
  local: { host: "127.0.0.1:5000", plainHttp: true }
dataflows:
  a:
    source: { endpoint: local, topics: ["s/#"] }
    graph: { file: graphs/a.yaml }
    destination: { endpoint: up, topic: "out" }
  b:
    source: { endpoint: local, topics: ["t/#"] }
    graph: { ref: "localhost:5001/g:1" }
    destination: { endpoint: v6, topic: "out" }
dataDir: /var/lib/weir
admin: { port: 8081 }
ml: { models: { scorer: { file: /srv/models/scorer.onnx } } }
`,
    { adminPort: 9000 },
  ));
  assert.deepEqual(flag(flags, "allow-net")!.sort(), [
    "127.0.0.1:1883",
    "127.0.0.1:5000",
    "127.0.0.1:9000",
    "127.0.0.1:9464",
    "[::1]:1885",
    "broker.example:8883",
    "localhost:5001",
    "registry.example:443",
  ]);
  assert.deepEqual(flag(flags, "allow-read")!.sort(), [
    "/etc/ssl/plant/ca.pem",
    "/etc/weir",
    "/etc/weir/graphs/a.yaml",
    "/etc/weir/secrets/reg.pw",
    "/opt/weir/releases/1",
    "/opt/weir/releases/1/modules/dist",
    "/opt/weir/releases/1/node_modules/onnxruntime-node",
    "/opt/weir/releases/1/node_modules/onnxruntime-web",
    "/srv/models",
    "/var/lib/weir",
  ]);
  assert.deepEqual(flag(flags, "allow-write"), ["/var/lib/weir"]);
  assert.deepEqual(flag(flags, "allow-env"), [...BASE_ENV_NAMES, "UPSTREAM_PASSWORD"]);
  assert.deepEqual(flag(flags, "allow-ffi"), [
    "/opt/weir/releases/1/node_modules/onnxruntime-node",
  ]);
  assert.deepEqual(flag(flags, "allow-sys"), ["statfs"]);
  assert.ok(flags.includes("--no-prompt") && flags.includes("--unstable-worker-options"));
  assert.equal(flags.some((f) => /^(-A|--allow-all|--allow-run|--allow-import)/.test(f)), false);
});

Deno.test("startPermissions(): Kafka brokers, OpenTelemetry collectors and their secrets", () => {
  const flags = startPermissions(input(
    `endpoints:
  k:
    kind: kafka
    brokers: ["kafka-1.plant:9093", "kafka-2.plant:9093"]
    tls: { ca: /etc/ssl/kafka/ca.pem }
    sasl: { mechanism: scram-sha-512, username: gw, passwordFile: /etc/weir/kafka.pw }
  h: { kind: otel, url: "https://otel.plant", headers: { key: { file: /etc/weir/otel.key } } }
  g: { kind: otel, url: "grpc://127.0.0.1:4317", headers: { key: { env: OTEL_KEY } } }
  m: { kind: mqtt, url: "mqtt://127.0.0.1", credentials: { username: u, passwordEnv: MQTT_PW } }
dataflows:
  a:
    source: { endpoint: k, topics: ["readings"] }
    destination: { endpoint: h }
dataDir: /var/lib/weir
admin: { enabled: false }
`,
  ));
  assert.deepEqual(flag(flags, "allow-net")!.sort(), [
    "127.0.0.1:1883",
    "127.0.0.1:4317",
    "127.0.0.1:9464",
    "kafka-1.plant:9093",
    "kafka-2.plant:9093",
    "otel.plant:443",
  ]);
  const read = flag(flags, "allow-read")!;
  for (const f of ["/etc/ssl/kafka/ca.pem", "/etc/weir/kafka.pw", "/etc/weir/otel.key"]) {
    assert.ok(read.includes(f), `${f} in ${read.join(",")}`);
  }
  assert.deepEqual(flag(flags, "allow-env"), [...BASE_ENV_NAMES, "OTEL_KEY", "MQTT_PW"]);
});

Deno.test("startPermissions(): any registry means any host; ML off means no FFI; commas are refused", () => {
  const base = `endpoints:\n  local: { url: "mqtt://127.0.0.1:1883" }\n` +
    `dataflows:\n  a:\n    source: { endpoint: local, topics: ["s/#"] }\n` +
    `    destination: { endpoint: local, topic: "out" }\ndataDir: /var/lib/weir\n`;
  assert.deepEqual(
    flag(startPermissions(input(base + "allowAnyRegistry: true\n")), "allow-net"),
    [],
  );
  assert.equal(
    flag(startPermissions(input(base + "ml: { enabled: false }\n")), "allow-ffi"),
    undefined,
  );
  assert.throws(
    () => startPermissions(input(base.replace("/var/lib/weir", "/var/lib/a,b"))),
    /Path or host "\/var\/lib\/a,b" contains a comma/,
  );
  // The embedded default: its broker, admin page and registry on loopback, any port.
  const { config: _config, configFile: _file, ...embeddedInput } = input(base);
  const embedded = startPermissions({ ...embeddedInput, dataDir: "/home/u/.weir" });
  assert.deepEqual(flag(embedded, "allow-net"), ["127.0.0.1"]);
  assert.deepEqual(flag(embedded, "allow-write"), ["/home/u/.weir"]);
});

Deno.test("weir start --print-deno-flags prints what startPermissions() computes for that start", async () => {
  const dir = await scratch({ "gw.yaml": GATEWAY(join(ROOT, "graphs/temperature.yaml")) });
  try {
    const out = memoryOutput();
    const code = await runCli([
      "start",
      "--config",
      join(dir, "gw.yaml"),
      "--metrics-port",
      "0",
      "--admin-port",
      "18555",
      "--print-deno-flags",
    ], out);
    assert.equal(code, 0, out.errors.join("\n"));
    assert.deepEqual(flag(out.lines, "allow-net")!.sort(), [
      "127.0.0.1",
      "127.0.0.1:18555",
      "127.0.0.1:1883",
    ]);
    assert.deepEqual(flag(out.lines, "allow-write"), [join(dir, ".weir")]);
    assert.ok(flag(out.lines, "allow-read")!.includes(ROOT));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task weir resolves paths against the caller's folder, not the repository's", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "--quiet",
      "--config",
      join(ROOT, "deno.json"),
      "weir",
      "graph",
      "validate",
      "temperature.yaml",
    ],
    cwd: join(ROOT, "graphs"),
    // As from a user's shell: `deno task test` sets INIT_CWD, and a nested task keeps it.
    env: { ...withoutInitCwd(), NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  assert.equal(out.code, 0, text.decode(out.stdout) + text.decode(out.stderr));
  assert.equal(text.decode(out.stdout).trim(), "ok temperature.yaml");
});

function withoutInitCwd(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  return env;
}

/** Every process below `pid`, so a failed run leaves none behind. */
async function descendantsOf(pid: number): Promise<number[]> {
  const out = await new Deno.Command("ps", { args: ["-o", "pid=", "--ppid", String(pid)] })
    .output();
  const children = new TextDecoder().decode(out.stdout).trim().split(/\s+/).filter(Boolean)
    .map(Number);
  const below = await Promise.all(children.map(descendantsOf));
  return [...children, ...below.flat()];
}

Deno.test({
  name: "deno task start runs the real Deno binary under the task, which passes SIGTERM on",
  ignore: !existsSync(join(ROOT, "node_modules/deno/deno")),
  fn: async () => {
    const cwd = await Deno.makeTempDir({ prefix: "weir-task-start-" });
    const ports = [await freePort(), await freePort(), await freePort()];
    const task = new Deno.Command(join(ROOT, "node_modules/deno/deno"), {
      args: [
        "task",
        "--quiet",
        "--config",
        join(ROOT, "deno.json"),
        "start",
        "--no-demo",
        "--port",
        String(ports[0]),
        "--metrics-port",
        String(ports[1]),
        "--admin-port",
        String(ports[2]),
      ],
      cwd,
      env: { ...withoutInitCwd(), NO_COLOR: "1" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = Promise.all([
      new Response(task.stdout).text(),
      new Response(task.stderr).text(),
    ]);
    const descendants: number[] = [];
    try {
      const deadline = Date.now() + 60_000;
      while (!existsSync(join(cwd, ".weir", "admin-token")) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(existsSync(join(cwd, ".weir", "admin-token")), "the state folder is the caller's");
      const ps = await new Deno.Command("ps", {
        args: ["-o", "pid=,args=", "--ppid", String(task.pid)],
        stdout: "piped",
      }).output();
      const children = new TextDecoder().decode(ps.stdout).trim().split("\n");
      descendants.push(...await descendantsOf(task.pid));
      assert.equal(children.length, 1, children.join("\n"));
      const [childPid, ...args] = children[0]!.trim().split(/\s+/);
      assert.equal(args[0], join(ROOT, "node_modules/deno/deno"), "the task runs the real binary");
      assert.deepEqual(args.slice(1, 4), ["run", "--config", join(ROOT, "deno.json")]);
      task.kill("SIGTERM");
      assert.equal((await task.status).code, 0, (await output).join("\n"));
      const left = await new Deno.Command("ps", { args: ["-p", childPid!] }).output();
      assert.equal(left.code, 1, `the gateway (pid ${childPid}) outlived the task`);
      assert.match((await output)[1], /"msg":"stopping","signal":"SIGTERM"/);
    } finally {
      for (const pid of [task.pid, ...descendants]) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await task.status;
      await Deno.remove(cwd, { recursive: true });
    }
  },
});
