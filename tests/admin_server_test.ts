import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { isLoopback, startAdmin } from "../src/admin/mod.ts";
import { WeirError } from "../src/base/mod.ts";
import { FakeControl } from "./_admin_fake_control.ts";
import { weirStartArgs } from "./_gateway_process.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT } from "./_samples.ts";

Deno.test("startAdmin() serves on 127.0.0.1, creates the token once, and stop() ends open streams", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const control = new FakeControl();
    const admin = await startAdmin({ control, dataDir, port: 0 });
    assert.match(admin.url, /^http:\/\/127\.0\.0\.1:[0-9]+\/$/);
    assert.equal(admin.tokenCreated, true);
    assert.equal(admin.tokenFile, join(dataDir, "admin-token"));
    const health = await fetch(new URL("api/health", admin.url));
    assert.deepEqual(await health.json(), {
      status: "ok",
      dataflows: 2,
      endpointsDown: [],
      dataflowsFailed: [],
    });
    const auth = { headers: { Authorization: `Bearer ${admin.token}` } };
    const list = await fetch(new URL("api/dataflows", admin.url), auth);
    assert.equal(list.status, 200);
    await list.body?.cancel();
    // An event stream stays open until the server stops; stop() must not wait for it forever.
    const events = await fetch(new URL("api/events", admin.url), auth);
    assert.equal(events.status, 200);
    const reader = events.body!.getReader();
    await reader.read();
    const stopped = admin.stop();
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
    }
    await stopped;

    const again = await startAdmin({ control, dataDir, port: 0 });
    assert.equal(again.tokenCreated, false);
    assert.equal(again.token, admin.token);
    await again.stop();
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("startAdmin() rate-limits failed tokens by the client's real address, never the right token", async () => {
  const dataDir = await Deno.makeTempDir();
  const admin = await startAdmin({ control: new FakeControl(), dataDir, port: 0 });
  try {
    const url = new URL("api/modules", admin.url);
    // Sixty at once over real sockets: exactly five are answered 401, the rest 429.
    const burst = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const res = await fetch(url, { headers: { Authorization: `Bearer wrong-${i}` } });
        await res.body?.cancel();
        return res.status;
      }),
    );
    assert.deepEqual(
      [burst.filter((s) => s === 401).length, burst.filter((s) => s === 429).length],
      [5, 55],
    );
    const again = await fetch(url, { headers: { Authorization: "Bearer wrong-again" } });
    assert.equal(again.status, 429);
    await again.body?.cancel();
    // The right token from the same address is never locked out.
    const right = await fetch(url, { headers: { Authorization: `Bearer ${admin.token}` } });
    assert.equal(right.status, 200);
    await right.body?.cancel();
  } finally {
    await admin.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("startAdmin() refuses a non-loopback host unless allowRemote is set", async () => {
  await assert.rejects(
    startAdmin({ control: new FakeControl(), dataDir: "/nonexistent", host: "0.0.0.0" }),
    (e: unknown) => {
      assert.ok(e instanceof WeirError);
      assert.equal(e.code, "usage");
      assert.match(e.message, /"0\.0\.0\.0" is not a loopback address; set admin\.allowRemote/);
      return true;
    },
  );
  assert.equal(isLoopback("127.0.0.1"), true);
  assert.equal(isLoopback("127.10.0.3"), true);
  assert.equal(isLoopback("::1"), true);
  assert.equal(isLoopback("localhost"), true);
  assert.equal(isLoopback("10.0.0.1"), false);
  assert.equal(isLoopback("127.0.0.1.example"), false);
});

Deno.test("startAdmin() reports a port in use clearly", async () => {
  const dataDir = await Deno.makeTempDir();
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    await assert.rejects(
      startAdmin({ control: new FakeControl(), dataDir, port }),
      new RegExp(`Admin port ${port} on 127\\.0\\.0\\.1 is in use; choose another`),
    );
  } finally {
    taken.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

/** Reads a child's stdout until `marker` shows up. */
async function readUntil(reader: ReadableStreamDefaultReader<string>, marker: string) {
  let text = "";
  const deadline = Date.now() + 60_000;
  while (!text.includes(marker)) {
    if (Date.now() > deadline) throw new Error(`"${marker}" did not appear:\n${text}`);
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`output ended before "${marker}":\n${text}`);
    text += chunk.value;
  }
  return text;
}

/** `script` (util-linux) runs a command on a pseudo-terminal, as a person's shell would. */
const SCRIPT = ["/usr/bin/script", "/bin/script"].find((p) => existsSync(p));

function quoted(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `weir start` with stdout piped (as under systemd) or on a terminal,
 * returns its banner once it serves, and stops it.
 */
async function weirStart(dataDir: string, terminal = false): Promise<string> {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const args = weirStartArgs("--port", String(port), "--data-dir", dataDir, "--no-demo");
  const command = terminal
    ? new Deno.Command(SCRIPT!, {
      args: ["-qec", [Deno.execPath(), ...args].map(quoted).join(" "), "/dev/null"],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    })
    : new Deno.Command(Deno.execPath(), { args, cwd: ROOT, stdout: "piped", stderr: "null" });
  const child = command.spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const banner = await readUntil(reader, "Stop with Ctrl-C.");
    const url = /admin page: +(http:\/\/127\.0\.0\.1:[0-9]+\/)/.exec(banner)?.[1];
    assert.ok(url, banner);
    const health = await fetch(new URL("api/health", url));
    assert.deepEqual(await health.json(), {
      status: "ok",
      dataflows: 1,
      endpointsDown: [],
      dataflowsFailed: [],
    });
    return banner;
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    assert.equal(status.code, 0, "a clean stop exits 0");
  }
}

Deno.test({
  name:
    "weir start with stdout not a terminal (systemd's journal) prints where the token is, never the token" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "weir-admin-start-" });
    try {
      const file = join(dataDir, "admin-token");
      const first = await weirStart(dataDir);
      const token = (await Deno.readTextFile(file)).trim();
      assert.equal(first.includes(token), false, first);
      assert.ok(first.includes(`admin token:  in ${file} (created now, mode 0600)\n`), first);
      const second = await weirStart(dataDir);
      assert.equal(second.includes(token), false, second);
      assert.ok(second.includes(`admin token:  in ${file}\n`), second);
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "weir start on a terminal shows the token on the first start only" +
    (SCRIPT === undefined ? " (skipped: script from util-linux is not installed)" : "") +
    modulesNote("temperature"),
  ignore: SCRIPT === undefined || !modulesBuilt("temperature"),
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "weir-admin-tty-" });
    try {
      const file = join(dataDir, "admin-token");
      const first = await weirStart(dataDir, true);
      const token = (await Deno.readTextFile(file)).trim();
      assert.ok(first.includes(`admin token:  ${token}  (shown once; kept in ${file})`), first);
      const second = await weirStart(dataDir, true);
      assert.equal(second.includes(token), false, second);
      assert.ok(second.includes(`admin token:  in ${file}`), second);
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
