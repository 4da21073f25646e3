import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./_samples.ts";

const HAS_SYSTEMD_ANALYZE = existsSync("/usr/bin/systemd-analyze");

Deno.test({
  name: "install.sh writes a systemd unit that systemd-analyze accepts, with least permissions" +
    (HAS_SYSTEMD_ANALYZE ? "" : " (skipped: systemd-analyze is not installed)"),
  ignore: !HAS_SYSTEMD_ANALYZE,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "weir-install-" });
    const prefix = join(dir, "opt");
    try {
      const out = await new Deno.Command("bash", {
        args: [join(ROOT, "install.sh"), "--unit-only", dir, "--prefix", prefix, "--user", "root"],
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const unit = await Deno.readTextFile(join(dir, "weir.service"));
      assert.doesNotMatch(unit, / -A | --allow-all/);
      assert.match(unit, /--allow-write=\/var\/lib\/weir /);
      assert.match(unit, /ProtectSystem=strict/);
      // systemctl reload sends SIGHUP, which the gateway answers by reloading its configuration.
      assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
      // systemd-analyze needs the ExecStart binary to exist.
      await Deno.mkdir(join(prefix, "bin"), { recursive: true });
      await Deno.symlink(Deno.execPath(), join(prefix, "bin", "deno"));
      const verify = await new Deno.Command("systemd-analyze", {
        args: ["verify", join(dir, "weir.service")],
      })
        .output();
      const stderr = new TextDecoder().decode(verify.stderr)
        // Not about the unit: this machine runs no systemd.
        .split("\n").filter((l) =>
          l && !/System has not been booted|Failed to connect|Documentation=|network-online/.test(l)
        );
      assert.equal(verify.code, 0, stderr.join("\n"));
      assert.deepEqual(stderr, [], "unknown keys or bad values only warn: there must be none");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
