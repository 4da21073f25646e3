/**
 * install.sh and the service, end to end: the x64 release installed into a
 * scratch image root, run there as systemd would run its unit (every setting
 * the harness can reproduce, see tests/_unit_sandbox.ts), the demo flow
 * through a broker, an upgrade to a second build and a rollback, uninstall.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { HAS_MOSQUITTO, MOSQUITTO } from "./_mosquitto.ts";
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
import { runUnit, type UnitRun } from "./_unit_sandbox.ts";

const HAS_SYSTEMD_ANALYZE = existsSync("/usr/bin/systemd-analyze");
const HAS_SANDBOX_TOOLS = ["/usr/bin/unshare", "/usr/bin/setpriv", "/usr/bin/python3"]
  .every((p) => existsSync(p));

/** Lines of systemd-analyze verify that are about this machine (no systemd running), not the unit. */
function unitProblems(stderr: string): string[] {
  return stderr.split("\n").filter((l) =>
    l && !/System has not been booted|Failed to connect|network-online|Documentation=/.test(l)
  );
}

Deno.test({
  name:
    "install.sh --unit-only: the unit passes systemd-analyze verify and rates 2.0 or better in " +
    "systemd-analyze security" + (HAS_SYSTEMD_ANALYZE ? "" : " (skipped: no systemd-analyze)"),
  ignore: !HAS_SYSTEMD_ANALYZE,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "weir-unit-" });
    const prefix = join(dir, "opt");
    try {
      const out = await sh("bash", [
        join(ROOT, "install.sh"),
        "--unit-only",
        dir,
        "--prefix",
        prefix,
      ]);
      assert.equal(out.code, 0, out.stderr);
      const unit = await Deno.readTextFile(join(dir, "weir.service"));
      assert.doesNotMatch(unit, / -A | --allow-all/);
      assert.match(unit, new RegExp(`^ExecStartPre=${prefix}/current/bin/weir config check `, "m"));
      // systemctl reload checks the file, then sends SIGHUP: the gateway reloads its configuration.
      assert.match(unit, new RegExp(`^ExecReload=${prefix}/current/bin/weir config check `, "m"));
      assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
      assert.match(unit, new RegExp(`^ExecStart=${prefix}/current/bin/weir start --config `, "m"));
      // systemd-analyze verify needs the ExecStart binary to exist.
      await Deno.mkdir(join(prefix, "current", "bin"), { recursive: true });
      await Deno.symlink("/bin/true", join(prefix, "current", "bin", "weir"));
      const verify = await sh("systemd-analyze", ["verify", join(dir, "weir.service")]);
      assert.equal(verify.code, 0, verify.stderr);
      assert.deepEqual(unitProblems(verify.stderr), [], "unknown keys or bad values only warn");
      const security = await sh("systemd-analyze", [
        "security",
        "--offline=yes",
        join(dir, "weir.service"),
      ]);
      const score = /Overall exposure level for weir\.service: ([0-9.]+)/.exec(security.stdout);
      assert.ok(score, security.stdout + security.stderr);
      assert.ok(Number(score[1]) <= 2.0, `exposure ${score[1]}:\n${security.stdout}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

interface Entry {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly link?: string;
}

/** Every path under `dir` with its type, mode, owner, size, time and link target. */
async function snapshot(dir: string, base = dir, out = new Map<string, Entry>()) {
  for await (const e of Deno.readDir(dir)) {
    const full = join(dir, e.name);
    const st = await Deno.lstat(full);
    out.set(full.slice(base.length), {
      mode: st.mode!,
      uid: st.uid!,
      gid: st.gid!,
      size: st.size,
      mtime: st.mtime?.getTime() ?? 0,
      ...(e.isSymlink ? { link: await Deno.readLink(full) } : {}),
    });
    if (e.isDirectory) await snapshot(full, base, out);
  }
  return out;
}

/** A scratch image root with the files useradd needs. */
async function imageRoot(dir: string): Promise<string> {
  const root = join(dir, "image");
  await Deno.mkdir(join(root, "etc"), { recursive: true });
  await Deno.writeTextFile(
    join(root, "etc/passwd"),
    "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
  );
  await Deno.writeTextFile(join(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  await Deno.writeTextFile(join(root, "etc/shadow"), "root:*:19000:0:99999:7:::\n", {
    mode: 0o600,
  });
  await Deno.writeTextFile(join(root, "etc/gshadow"), "root:*::\n", { mode: 0o600 });
  if (existsSync("/etc/login.defs")) {
    await Deno.copyFile("/etc/login.defs", join(root, "etc/login.defs"));
  }
  return root;
}

async function install(release: string, ...args: string[]) {
  const out = await sh("bash", [join(release, "install.sh"), ...args]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
  return out.stdout;
}

/** Runs the installed unit in the sandbox with a broker, the probe and the sandbox checks. */
async function runInstalled(image: string, work: string): Promise<UnitRun> {
  await Deno.mkdir(work, { recursive: true });
  await Deno.writeTextFile(
    join(image, "etc/weir/ml-probe.jsonl"),
    JSON.stringify({
      topic: "sensors/press-4",
      payload: JSON.stringify({ temperature: 95, vibration: 1.4, pressure: 108.2 }),
    }) + "\n",
  );
  await Deno.writeTextFile(
    join(work, "mosquitto.conf"),
    "listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\n" +
      "max_queued_messages 100000\nmax_inflight_messages 0\n",
  );
  return await runUnit({
    root: image,
    unit: "/etc/systemd/system/weir.service",
    work,
    before: [MOSQUITTO!, "-c", join(work, "mosquitto.conf")],
    probe: [
      Deno.execPath(),
      "run",
      "--allow-net=127.0.0.1",
      "--allow-env",
      "--allow-read",
      "--config",
      join(ROOT, "deno.json"),
      join(ROOT, "tests/_appliance_probe.ts"),
      "mqtt://127.0.0.1:1883",
      "http://127.0.0.1:8080",
      "http://127.0.0.1:9464/metrics",
      "3",
    ],
    checks: [
      { name: "version", argv: ["/usr/local/bin/weir", "--version"] },
      { name: "write code", argv: ["/usr/bin/touch", "/opt/weir/current/x"] },
      { name: "write config", argv: ["/usr/bin/touch", "/etc/weir/x"] },
      { name: "write data", argv: ["/usr/bin/touch", "/var/lib/weir/.sandbox-check"] },
      { name: "write tmp", argv: ["/usr/bin/touch", "/tmp/x"] },
      { name: "read home", argv: ["/usr/bin/ls", "/root"] },
      { name: "see pid 1", argv: ["/usr/bin/cat", "/proc/1/cmdline"] },
      { name: "devices", argv: ["/usr/bin/ls", "/dev"] },
      { name: "new namespace", argv: ["/usr/bin/unshare", "--user", "/usr/bin/true"] },
      {
        name: "netlink socket",
        argv: ["/usr/bin/python3", "-c", "import socket; socket.socket(16, 3, 0)"],
      },
      { name: "umask", argv: ["/bin/sh", "-c", "umask"] },
      {
        // ONNX Runtime's native build under the same sandbox (seccomp filter, /proc, /dev).
        name: "ml",
        argv: [
          "/usr/local/bin/weir",
          "graph",
          "test",
          "/opt/weir/current/graphs/anomaly.yaml",
          "--modules",
          "/opt/weir/current/modules/dist",
          "--input",
          "/etc/weir/ml-probe.jsonl",
          "--model",
          "anomaly-scorer=/opt/weir/current/modules/dist/models/anomaly-scorer.onnx",
          "--log-level",
          "info",
        ],
      },
      {
        name: "verify",
        asRoot: true,
        argv: ["/usr/bin/systemd-analyze", "verify", "/etc/systemd/system/weir.service"],
      },
    ],
  });
}

function assertServed(run: UnitRun, version: string): number {
  const context =
    `${run.log}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- probe\n${run.probe}`;
  assert.deepEqual(run.pre, [0], `ExecStartPre (weir config check) failed:\n${context}`);
  const probe = JSON.parse(run.probe.trim().split("\n").pop()!);
  assert.equal(probe.error, undefined, context);
  assert.equal(probe.health.status, "ok");
  assert.equal(probe.received.length, 3, context);
  const celsius = probe.received.map((p: string) => JSON.parse(p).temperature.value).sort();
  assert.deepEqual(celsius, [100, 105, 110]);
  assert.ok(probe.metricsLines > 0);
  assert.equal(run.code, 0, `the service did not stop cleanly on SIGTERM:\n${context}`);
  // One process: the runtime itself, with no launcher above it and no child below.
  assert.match(run.log, new RegExp(`service exe \\S+/opt/weir/releases/${version}/bin/deno\n`));
  assert.match(run.log, /service children \n/);
  assert.match(run.log, /NoNewPrivs: 1/);
  assert.match(run.log, /Seccomp: 2/);
  assert.match(run.log, /CapEff: 0000000000000000 CapBnd: 0000000000000000/);
  assert.match(run.log, /Umask: 0077/);
  assert.match(run.checks.version!.output, new RegExp(`^weir ${version.replaceAll(".", "\\.")}\n`));
  return probe.readyMs as number;
}

function assertSandboxed(run: UnitRun): void {
  const c = run.checks;
  const failed = (name: string) => assert.notEqual(c[name]!.code, 0, `${name} was allowed`);
  failed("write code");
  failed("write config");
  assert.equal(c["write data"]!.code, 0, c["write data"]!.output);
  assert.equal(c["write tmp"]!.code, 0, c["write tmp"]!.output);
  failed("read home");
  failed("see pid 1");
  failed("new namespace");
  failed("netlink socket");
  assert.deepEqual(
    c.devices!.output.trim().split(/\s+/).sort(),
    ["fd", "full", "null", "random", "shm", "tty", "urandom", "zero"],
  );
  assert.equal(c.umask!.output.trim(), "0077");
  assert.equal(c.ml!.code, 0, c.ml!.output);
  assert.match(c.ml!.output, /"msg":"wasi-nn runs on onnxruntime-node"/);
  assert.match(c.ml!.output, /\\"anomaly\\":true/);
  assert.equal(c.verify!.code, 0, c.verify!.output);
  assert.deepEqual(unitProblems(c.verify!.output), []);
}

const READY = CAN_PACKAGE && IS_ROOT && HAS_MOSQUITTO && HAS_SYSTEMD_ANALYZE && HAS_SANDBOX_TOOLS;
const NOTE = !CAN_PACKAGE
  ? PACKAGE_NOTE
  : !IS_ROOT
  ? " (skipped: needs root for useradd, namespaces and mounts)"
  : !HAS_MOSQUITTO
  ? " (skipped: mosquitto is not installed; run bash .ci/install-services.sh)"
  : !HAS_SANDBOX_TOOLS || !HAS_SYSTEMD_ANALYZE
  ? " (skipped: needs unshare, setpriv, python3 and systemd-analyze)"
  : "";

Deno.test({
  name: "install.sh: x64 release into an image root, run as its unit runs it, upgrade, rollback, " +
    "uninstall" + NOTE,
  ignore: !READY,
  fn: async (t) => {
    const pkg = await testPackage("x64");
    const scratch = await Deno.makeTempDir({ dir: packageScratch(), prefix: "install-" });
    const release = await unpack(pkg, join(scratch, "download"));
    const image = await imageRoot(scratch);
    const v1 = pkg.version;

    await t.step(
      "install: root-owned release, current link, service user, config, data, unit",
      async () => {
        const out = await install(release, "--root", image);
        assert.match(out, /created the system user weir/);
        const passwd = await Deno.readTextFile(join(image, "etc/passwd"));
        const weir = passwd.split("\n").find((l) => l.startsWith("weir:"))!.split(":");
        const [uid, gid] = [Number(weir[2]), Number(weir[3])];
        assert.equal(await Deno.readLink(join(image, "opt/weir/current")), `releases/${v1}`);
        assert.equal(existsSync(join(image, "opt/weir/previous")), false);
        const files = await snapshot(join(image, "opt/weir/releases", v1));
        assert.ok(files.has("/cache/deno"), "the code cache was prepared at install");
        for (const [path, e] of files) {
          assert.equal(e.uid, 0, `${path} belongs to uid ${e.uid}`);
          assert.equal(e.gid, 0, `${path} belongs to gid ${e.gid}`);
          assert.equal(e.mode & 0o022, 0, `${path} is writable by others (${e.mode.toString(8)})`);
        }
        const config = await Deno.stat(join(image, "etc/weir/gateway.yaml"));
        assert.deepEqual([config.mode! & 0o777, config.uid, config.gid], [0o640, 0, gid]);
        const data = await Deno.stat(join(image, "var/lib/weir"));
        assert.deepEqual([data.mode! & 0o777, data.uid, data.gid], [0o750, uid, gid]);
        assert.equal(
          await Deno.readLink(join(image, "usr/local/bin/weir")),
          "/opt/weir/current/bin/weir",
        );
        assert.equal(
          await Deno.readLink(
            join(image, "etc/systemd/system/multi-user.target.wants/weir.service"),
          ),
          "/etc/systemd/system/weir.service",
        );
      },
    );

    await t.step("install again: nothing changes", async () => {
      const before = await snapshot(image);
      const out = await install(release, "--root", image);
      assert.match(out, /already installed/);
      assert.deepEqual(await snapshot(image), before);
    });

    await t.step("the installed unit rates 2.0 or better", async () => {
      const security = await sh("systemd-analyze", [
        "security",
        "--offline=yes",
        join(image, "etc/systemd/system/weir.service"),
      ]);
      const score = Number(
        /Overall exposure level for weir\.service: ([0-9.]+)/.exec(security.stdout)?.[1],
      );
      assert.ok(score <= 2.0, security.stdout);
      // deno-lint-ignore no-console
      console.log(`    systemd-analyze security: ${score}`);
    });

    await t.step(
      "the unit's ExecStartPre and ExecStart serve the demo flow in the sandbox",
      async () => {
        const run = await runInstalled(image, join(scratch, "run-1"));
        assertSandboxed(run);
        const ready = assertServed(run, v1);
        // deno-lint-ignore no-console
        console.log(`    ready (flags, start, broker, admin) in ${ready} ms`);
      },
    );

    const next = await testPackage("x64", `${v1}-next`);
    await t.step("upgrade: the second build becomes current, the first is kept", async () => {
      const release2 = await unpack(next, join(scratch, "download-2"));
      const out = await install(release2, "--root", image);
      assert.match(out, new RegExp(`current release: ${next.version} \\(previous: ${v1}\\)`));
      assert.equal(
        await Deno.readLink(join(image, "opt/weir/current")),
        `releases/${next.version}`,
      );
      assert.equal(await Deno.readLink(join(image, "opt/weir/previous")), `releases/${v1}`);
      assertServed(await runInstalled(image, join(scratch, "run-2")), next.version);
    });

    await t.step("install.sh --rollback returns to the first build", async () => {
      const out = await install(join(image, "opt/weir/current"), "--root", image, "--rollback");
      assert.match(out, new RegExp(`rolled back from ${next.version} to ${v1}`));
      assert.equal(await Deno.readLink(join(image, "opt/weir/current")), `releases/${v1}`);
      assert.equal(
        await Deno.readLink(join(image, "opt/weir/previous")),
        `releases/${next.version}`,
      );
      assertServed(await runInstalled(image, join(scratch, "run-3")), v1);
    });

    await t.step(
      "--uninstall keeps configuration and data; --purge removes them and the user",
      async () => {
        // The installer alone, as an administrator would keep it.
        const tools = join(scratch, "tools");
        await Deno.mkdir(tools);
        await Deno.copyFile(join(release, "install.sh"), join(tools, "install.sh"));
        assert.match(await install(tools, "--root", image, "--uninstall"), /kept \/etc\/weir/);
        assert.equal(existsSync(join(image, "opt/weir")), false);
        assert.equal(existsSync(join(image, "etc/systemd/system/weir.service")), false);
        assert.equal(existsSync(join(image, "usr/local/bin/weir")), false);
        assert.ok(existsSync(join(image, "etc/weir/gateway.yaml")));
        assert.ok(existsSync(join(image, "var/lib/weir/admin-token")));
        await install(tools, "--root", image, "--uninstall", "--purge");
        assert.equal(existsSync(join(image, "etc/weir")), false);
        assert.equal(existsSync(join(image, "var/lib/weir")), false);
        assert.doesNotMatch(await Deno.readTextFile(join(image, "etc/passwd")), /^weir:/m);
      },
    );
  },
});

Deno.test({
  name: "install.sh --root with the arm64 release on x64 builds an arm64 image without running it" +
    (!CAN_PACKAGE ? PACKAGE_NOTE : !IS_ROOT ? " (skipped: needs root for useradd)" : ""),
  ignore: !CAN_PACKAGE || !IS_ROOT || Deno.build.arch !== "x86_64",
  fn: async () => {
    const pkg = await testPackage("arm64");
    const scratch = await Deno.makeTempDir({ dir: packageScratch(), prefix: "install-arm64-" });
    const release = await unpack(pkg, join(scratch, "download"));
    const image = await imageRoot(scratch);
    const out = await install(release, "--root", image);
    assert.match(out, /code cache not prepared for the image/);
    const installed = join(image, "opt/weir/releases", pkg.version);
    assert.equal(await elfMachine(join(installed, "bin/deno")), 0xb7);
    assert.equal(existsSync(join(installed, "cache")), false);
    assert.equal(await Deno.readLink(join(image, "opt/weir/current")), `releases/${pkg.version}`);
    assert.ok(existsSync(join(image, "etc/systemd/system/weir.service")));
    assert.match(await Deno.readTextFile(join(image, "etc/passwd")), /^weir:/m);
  },
});

Deno.test({
  name: "install.sh on a running machine (no --root): user, release, unit; again unchanged; " +
    "uninstall keeps data; purge removes it" +
    (!CAN_PACKAGE ? PACKAGE_NOTE : !IS_ROOT ? " (skipped: needs root for namespaces)" : ""),
  ignore: !CAN_PACKAGE || !IS_ROOT || !HAS_SANDBOX_TOOLS,
  fn: async () => {
    const pkg = await testPackage("x64");
    const scratch = await Deno.makeTempDir({ dir: packageScratch(), prefix: "install-host-" });
    const release = await unpack(pkg, join(scratch, "download"));
    // What install.sh changes outside its folders (/etc: users, the unit; /usr/local/bin) is a
    // copy inside a private mount namespace, so this machine is left as it was.
    const copy = await sh("cp", ["-a", "/etc", join(scratch, "etc-copy")]);
    assert.equal(copy.code, 0, copy.stderr);
    const s = scratch;
    const args = `--prefix ${s}/opt/weir --config-dir ${s}/conf --data-dir ${s}/data --user weir-t`;
    const state = (name: string) =>
      `{ find ${s}/opt ${s}/conf ${s}/data /etc/systemd/system /usr/local/bin -printf '%p %m %u %g %s %T@ %l\\n' 2>/dev/null | sort; grep '^weir-t:' /etc/passwd || true; } > ${s}/${name}`;
    const script = `set -e
mount --make-rprivate /
mount --bind ${s}/etc-copy /etc
mount -t tmpfs tmpfs /usr/local/bin
bash ${release}/install.sh ${args} > ${s}/out-1
${state("state-1")}
bash ${release}/install.sh ${args} > ${s}/out-2
${state("state-2")}
/usr/local/bin/weir --version > ${s}/version
cp ${release}/install.sh ${s}/install.sh
bash ${s}/install.sh ${args} --uninstall > ${s}/out-3
${state("state-3")}
bash ${s}/install.sh ${args} --uninstall --purge > ${s}/out-4
${state("state-4")}
`;
    const run = await sh("unshare", ["--mount", "bash", "-c", script]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const read = (name: string) => Deno.readTextFile(join(s, name));
    assert.match(await read("out-1"), /created the system user weir-t/);
    assert.match(await read("out-1"), /systemd is not running here/);
    assert.match(await read("out-2"), /already installed/);
    assert.equal(await read("state-2"), await read("state-1"));
    const installed = await read("state-1");
    assert.match(installed, /\/etc\/systemd\/system\/weir\.service 644 root root /);
    assert.match(
      installed,
      new RegExp(`/usr/local/bin/weir 777 root root \\d+ \\S+ ${s}/opt/weir/current/bin/weir`),
    );
    assert.match(
      installed,
      new RegExp(`${s}/opt/weir/releases/${pkg.version}/cache/deno 755 root root`),
    );
    assert.match(installed, new RegExp(`${s}/data 750 weir-t weir-t`));
    assert.match(installed, /^weir-t:/m);
    assert.match(
      await read("version"),
      new RegExp(`^weir ${pkg.version.replaceAll(".", "\\.")}\n`),
    );
    const uninstalled = await read("state-3");
    assert.doesNotMatch(uninstalled, /weir\.service|\/usr\/local\/bin\/weir|\/opt\/weir\//);
    assert.match(uninstalled, new RegExp(`${s}/conf/gateway.yaml `));
    assert.match(uninstalled, /^weir-t:/m);
    const purged = await read("state-4");
    assert.doesNotMatch(purged, new RegExp(`${s}/conf|${s}/data|^weir-t:`, "m"));
    // The machine itself was not touched.
    assert.doesNotMatch(await Deno.readTextFile("/etc/passwd"), /^weir-t:/m);
  },
});
