/**
 * Runs a systemd unit's ExecStartPre and ExecStart from an image root the way
 * systemd would run them, without systemd: there is no systemd PID 1 on the
 * test machines. The image root (installed with `install.sh --root`) becomes
 * the root of a private mount, PID, network, UTS and IPC namespace, with the
 * host's /usr read-only as its operating system, and each setting of the unit
 * that can be reproduced is applied:
 *
 * - User=/Group=, NoNewPrivileges, CapabilityBoundingSet=, AmbientCapabilities=
 *   (setpriv), UMask, the environment systemd gives a service, Environment=;
 * - ProtectSystem=strict with ReadWritePaths, ProtectHome, PrivateTmp,
 *   PrivateDevices (a /dev with null, zero, full, random, urandom, tty),
 *   ProtectProc=invisible and ProcSubset=pid (a procfs mounted with
 *   hidepid=invisible,subset=pid), ProtectKernelTunables and
 *   ProtectControlGroups (/sys read-only), ProtectKernelModules (no modules
 *   folder), PrivateMounts (a mount namespace), ProtectHostname (UTS namespace);
 * - SystemCallFilter, SystemCallErrorNumber, SystemCallArchitectures=native,
 *   RestrictAddressFamilies, RestrictNamespaces, LockPersonality,
 *   RestrictSUIDSGID (chmod), RestrictRealtime, ProtectClock and
 *   ProtectKernelLogs (their system calls are outside the allow list), as a
 *   seccomp filter (tests/_seccomp_exec.py).
 *
 * Not reproduced, and reported as such: PrivateUsers, DevicePolicy,
 * KeyringMode, RemoveIPC, Restart and the stop timeout. The network namespace
 * is the test's own (the service's brokers run in it), not a unit setting.
 *
 * @module
 */
import { join } from "node:path";
import { ROOT } from "./_samples.ts";

/** The unit's `[Service]` settings: each key with every value, in file order. */
export function parseUnit(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    if (section !== "Service") continue;
    const eq = line.indexOf("=");
    const key = line.slice(0, eq);
    settings.set(key, [...settings.get(key) ?? [], line.slice(eq + 1)]);
  }
  return settings;
}

/** Settings applied by {@linkcode runUnit}, and those it cannot reproduce. */
export const APPLIED: readonly string[] = [
  "User",
  "Group",
  "Environment",
  "ExecStartPre",
  "ExecStart",
  "UMask",
  "NoNewPrivileges",
  "CapabilityBoundingSet",
  "AmbientCapabilities",
  "ProtectSystem",
  "ReadWritePaths",
  "ProtectHome",
  "PrivateTmp",
  "PrivateDevices",
  "PrivateMounts",
  "ProtectKernelTunables",
  "ProtectKernelModules",
  "ProtectKernelLogs",
  "ProtectControlGroups",
  "ProtectClock",
  "ProtectHostname",
  "ProtectProc",
  "ProcSubset",
  "RestrictNamespaces",
  "RestrictAddressFamilies",
  "RestrictRealtime",
  "RestrictSUIDSGID",
  "LockPersonality",
  "SystemCallArchitectures",
  "SystemCallFilter",
  "SystemCallErrorNumber",
  "KillSignal",
];

/** Settings with no effect here, or that this harness cannot reproduce. */
export const NOT_APPLIED: readonly string[] = [
  "Type",
  "PrivateUsers",
  "DevicePolicy",
  "KeyringMode",
  "RemoveIPC",
  "Restart",
  "RestartSec",
  "TimeoutStopSec",
];

/** Every system call group `systemd-analyze syscall-filter` knows, expanded. */
async function syscallGroups(): Promise<Map<string, string[]>> {
  const out = await new Deno.Command("systemd-analyze", { args: ["syscall-filter"] }).output();
  const groups = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const group = /^(@[a-z-]+)/.exec(line);
    if (group) {
      current = [];
      groups.set(group[1]!, current);
      continue;
    }
    const member = /^\s+([@a-z0-9_-]+)\s*$/.exec(line);
    if (member && current) current.push(member[1]!);
  }
  return groups;
}

function expand(groups: Map<string, string[]>, names: readonly string[]): Set<string> {
  const out = new Set<string>();
  const visit = (name: string) => {
    if (!name.startsWith("@")) return void out.add(name);
    for (const member of groups.get(name) ?? []) visit(member);
  };
  names.forEach(visit);
  return out;
}

const FAMILIES: Record<string, number> = { AF_UNIX: 1, AF_INET: 2, AF_INET6: 10, AF_NETLINK: 16 };

/** The seccomp policy of a unit's SystemCallFilter lines and related settings. */
export async function seccompPolicy(unit: Map<string, string[]>): Promise<Record<string, unknown>> {
  const groups = await syscallGroups();
  let allow = new Set<string>();
  for (const value of unit.get("SystemCallFilter") ?? []) {
    if (value.startsWith("~")) {
      for (const name of expand(groups, value.slice(1).trim().split(/\s+/))) allow.delete(name);
    } else {
      allow = new Set([...allow, ...expand(groups, value.trim().split(/\s+/))]);
    }
  }
  const errorNumber = unit.get("SystemCallErrorNumber")?.[0] ?? "EPERM";
  if (errorNumber !== "EPERM") {
    throw new Error(`SystemCallErrorNumber=${errorNumber} is not supported`);
  }
  const families = (unit.get("RestrictAddressFamilies") ?? [])
    .flatMap((v) => v.split(/\s+/))
    .map((f) => FAMILIES[f])
    .filter((n): n is number => n !== undefined);
  return {
    allow: [...allow].sort(),
    errno: 1, // EPERM
    families,
    restrictNamespaces: unit.get("RestrictNamespaces")?.[0] === "yes",
    lockPersonality: unit.get("LockPersonality")?.[0] === "yes",
    restrictSuidSgid: unit.get("RestrictSUIDSGID")?.[0] === "yes",
  };
}

/** Options for {@linkcode runUnit}. */
export interface RunUnitOptions {
  /** The image root (`install.sh --root`). */
  readonly root: string;
  /** The unit's path inside the image, e.g. `/etc/systemd/system/weir.service`. */
  readonly unit: string;
  /** A scratch folder outside the image for the script, logs and results. */
  readonly work: string;
  /**
   * Runs in the namespaces (as root, not in the image) before the service starts, in
   * the background: e.g. the broker the service connects to.
   */
  readonly before?: readonly string[];
  /** Runs (as root, not in the image) while the service runs; the service stops after it. */
  readonly probe: readonly string[];
  /**
   * Commands run in the image before the service starts: as the service user under every
   * setting (to show what the sandbox allows and refuses), or as root (e.g. checks of the
   * installed files). Their exit codes and output come back in {@linkcode UnitRun.checks}.
   */
  readonly checks?: ReadonlyArray<
    { readonly name: string; readonly argv: readonly string[]; readonly asRoot?: boolean }
  >;
  /** How long the whole run may take. @default 120000 */
  readonly timeoutMs?: number;
}

/** What happened. */
export interface UnitRun {
  /** The exit codes of each ExecStartPre, in order. */
  readonly pre: number[];
  /** The service's exit code after SIGTERM (or earlier); -1 when it did not start. */
  readonly code: number;
  /** The probe's standard output. */
  readonly probe: string;
  /** The service's standard output and error. */
  readonly stdout: string;
  readonly stderr: string;
  /** The harness's own messages (what it set up, process checks). */
  readonly log: string;
  /** Each check's exit code and output, by name. */
  readonly checks: Record<string, { code: number; output: string }>;
}

function quote(s: string): string {
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}

/**
 * Runs the unit's ExecStartPre lines, then its ExecStart with `probe` running
 * beside it, then stops the service with its KillSignal.
 */
export async function runUnit(options: RunUnitOptions): Promise<UnitRun> {
  const { root, work } = options;
  const unitText = await Deno.readTextFile(join(root, options.unit));
  const unit = parseUnit(unitText);
  const user = unit.get("User")?.[0] ?? "root";
  const group = unit.get("Group")?.[0] ?? user;
  const passwd = await Deno.readTextFile(join(root, "etc/passwd"));
  const home = passwd.split("\n").find((l) => l.startsWith(`${user}:`))?.split(":")[5] ?? "/";
  await Deno.writeTextFile(join(work, "policy.json"), JSON.stringify(await seccompPolicy(unit)));
  const env = [
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
    `HOME=${home}`,
    `USER=${user}`,
    `LOGNAME=${user}`,
    "SHELL=/usr/sbin/nologin",
    `INVOCATION_ID=${crypto.randomUUID().replaceAll("-", "")}`,
    ...(unit.get("Environment") ?? []).flatMap((v) => v.split(/\s+/)),
  ];
  const writable = (unit.get("ReadWritePaths") ?? []).flatMap((v) => v.split(/\s+/));
  const umask = unit.get("UMask")?.[0] ?? "0022";
  const kill = unit.get("KillSignal")?.[0] ?? "SIGTERM";
  const sandboxed = (argv: string) =>
    `chroot "$S" /usr/bin/env -i ${env.map(quote).join(" ")} /bin/sh -c ${
      quote(`umask ${umask}; exec "$@"`)
    } sh /usr/bin/setpriv --reuid=${quote(user)} --regid=${quote(group)} --clear-groups ` +
    `--no-new-privs --bounding-set=-all --inh-caps=-all --ambient-caps=-all ` +
    `/usr/bin/python3 /run/weir-sandbox/seccomp_exec.py /run/weir-sandbox/policy.json -- ${argv}`;
  const words = (line: string) => line.trim().split(/\s+/).map(quote).join(" ");
  const script = `#!/bin/bash
set -euo pipefail
S=${quote(root)}
W=${quote(work)}
log() { echo "$*" >> "$W/harness.log"; }
ip link set lo up
mount --make-rprivate /
# The image's operating system: the host's /usr, read-only.
for d in bin sbin lib lib64 libexec share; do
  [ -d "/usr/$d" ] || continue
  mkdir -p "$S/usr/$d"
done
for l in bin sbin lib lib64; do [ -e "$S/$l" ] || ln -s "usr/$l" "$S/$l"; done
mkdir -p "$S/etc" "$S/dev" "$S/proc" "$S/sys" "$S/tmp" "$S/var/tmp" "$S/run" "$S/home" "$S/root"
for f in ld.so.cache nsswitch.conf hosts resolv.conf host.conf gai.conf localtime; do
  [ -e "/etc/$f" ] && [ ! -e "$S/etc/$f" ] && cp -L "/etc/$f" "$S/etc/$f" || true
done
[ -d "$S/etc/ssl" ] || cp -rL /etc/ssl "$S/etc/ssl"
mount --bind "$S" "$S"
for d in bin sbin lib lib64 libexec share; do
  [ -d "/usr/$d" ] || continue
  mount --rbind "/usr/$d" "$S/usr/$d"
  mount -o remount,bind,ro "$S/usr/$d"
done
# ProtectKernelModules: no modules folder.
[ -d "$S/usr/lib/modules" ] && mount -t tmpfs -o ro,mode=0 tmpfs "$S/usr/lib/modules"
# PrivateDevices: a /dev with the pseudo devices only.
mount -t tmpfs -o mode=755,nosuid,noexec tmpfs "$S/dev"
for n in null zero full random urandom tty; do touch "$S/dev/$n"; mount --bind "/dev/$n" "$S/dev/$n"; done
mkdir "$S/dev/shm" && mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$S/dev/shm"
ln -s /proc/self/fd "$S/dev/fd"
# ProtectProc=invisible, ProcSubset=pid.
mount -t proc -o hidepid=invisible,subset=pid,nosuid,nodev,noexec proc "$S/proc"
# ProtectKernelTunables, ProtectControlGroups: /sys read-only.
mount --rbind /sys "$S/sys" && mount -o remount,bind,ro "$S/sys"
# PrivateTmp.
mount -t tmpfs -o mode=1777 tmpfs "$S/tmp"
mount -t tmpfs -o mode=1777 tmpfs "$S/var/tmp"
mount -t tmpfs -o mode=755 tmpfs "$S/run"
mkdir -p "$S/run/weir-sandbox"
cp ${quote(join(ROOT, "tests/_seccomp_exec.py"))} "$S/run/weir-sandbox/seccomp_exec.py"
cp "$W/policy.json" "$S/run/weir-sandbox/policy.json"
chmod 0755 "$S/run/weir-sandbox" && chmod 0644 "$S/run/weir-sandbox/"*
# ProtectHome=yes: inaccessible.
mount -t tmpfs -o mode=0 tmpfs "$S/home"
mount -t tmpfs -o mode=0 tmpfs "$S/root"
# ProtectSystem=strict, ReadWritePaths.
${writable.map((p) => `mount --bind "$S${p}" "$S${p}"`).join("\n")}
mount -o remount,bind,ro "$S"
log "sandbox ready: user ${user}, umask ${umask}, writable: ${writable.join(" ")}"
${(options.before ?? []).length > 0 ? `(${options.before!.map(quote).join(" ")}) &` : ""}
${
    (options.checks ?? []).map((c, i) =>
      `set +e; ${
        c.asRoot
          ? `chroot "$S" ${c.argv.map(quote).join(" ")}`
          : sandboxed(c.argv.map(quote).join(" "))
      } > "$W/check-${i}.out" 2>&1; echo $? > "$W/check-${i}.code"; set -e`
    ).join("\n")
  }
pre=""
${
    (unit.get("ExecStartPre") ?? []).map((line) =>
      `set +e; ${sandboxed(words(line))} >> "$W/pre.out" 2>> "$W/pre.err"; code=$?; set -e
pre="$pre $code"; echo "$pre" > "$W/pre.codes"
if [ "$code" != 0 ]; then echo -1 > "$W/code"; exit 0; fi`
    ).join("\n")
  }
${sandboxed(words(unit.get("ExecStart")![0]!))} > "$W/service.out" 2> "$W/service.err" &
svc=$!
log "service pid $svc"
set +e
${options.probe.map(quote).join(" ")} > "$W/probe.out" 2> "$W/probe.err"
log "probe exit $?"
# One process: the service is the runtime itself (no shell or launcher left above it).
log "service exe $(readlink /proc/$svc/exe 2>/dev/null || echo gone)"
log "service children $(ps --ppid $svc -o comm= 2>/dev/null | tr '\\n' ' ')"
log "service status $(grep -E '^(Uid|Gid|Groups|Umask|NoNewPrivs|Seccomp|Seccomp_filters|CapBnd|CapEff|CapAmb):' /proc/$svc/status 2>/dev/null | tr -s '\\t\\n' '  ')"
kill -${kill.replace(/^SIG/, "")} $svc 2>/dev/null
wait $svc
echo $? > "$W/code"
`;
  await Deno.writeTextFile(join(work, "sandbox.sh"), script);
  const child = new Deno.Command("unshare", {
    args: [
      "--mount",
      "--pid",
      "--net",
      "--uts",
      "--ipc",
      "--fork",
      "--kill-child",
      "--mount-proc",
      "bash",
      join(work, "sandbox.sh"),
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
  const out = await child.output();
  clearTimeout(timer);
  const read = async (name: string) => {
    try {
      return await Deno.readTextFile(join(work, name));
    } catch {
      return "";
    }
  };
  const harness = await read("harness.log") + new TextDecoder().decode(out.stderr);
  const checks: Record<string, { code: number; output: string }> = {};
  for (const [i, c] of (options.checks ?? []).entries()) {
    checks[c.name] = {
      code: Number((await read(`check-${i}.code`)).trim() || "-1"),
      output: await read(`check-${i}.out`),
    };
  }
  return {
    pre: (await read("pre.codes")).trim().split(/\s+/).filter(Boolean).map(Number),
    code: Number((await read("code")).trim() || "-1"),
    probe: await read("probe.out") + await read("probe.err"),
    stdout: await read("service.out"),
    stderr: await read("service.err") + await read("pre.err"),
    log: harness,
    checks,
  };
}
