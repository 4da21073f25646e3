import assert from "node:assert/strict";
import { formatConfigIssue } from "../src/config/mod.ts";
import { checkConfig, parseConfig } from "../src/gateway/mod.ts";

Deno.test("parseConfig() gives the admin section its defaults: on, 127.0.0.1:8080, loopback only", () => {
  const config = parseConfig("{}", "empty.yaml");
  assert.deepEqual(config.admin, {
    enabled: true,
    host: "127.0.0.1",
    port: 8080,
    allowRemote: false,
  });
});

Deno.test("parseConfig() reads admin settings", () => {
  const text = "admin: { enabled: false, host: '::1', port: 0 }\n";
  assert.deepEqual(parseConfig(text, "a.yaml").admin, {
    enabled: false,
    host: "::1",
    port: 0,
    allowRemote: false,
  });
});

Deno.test("checkConfig() refuses a non-loopback admin host unless allowRemote is true", () => {
  const { issues } = checkConfig("admin:\n  host: 0.0.0.0\n", "a.yaml");
  assert.deepEqual(issues.map(formatConfigIssue), [
    'a.yaml:2:9: admin.host: found host "0.0.0.0", expected a loopback address (127.0.0.1, ::1, localhost) unless allowRemote is true [admin-remote]',
  ]);
  const allowed = parseConfig("admin: { host: 0.0.0.0, allowRemote: true }\n", "a.yaml");
  assert.equal(allowed.admin.host, "0.0.0.0");
  assert.equal(allowed.admin.allowRemote, true);
  assert.equal(checkConfig("admin: { host: 127.0.0.2 }\n", "a.yaml").issues.length, 0);
});

Deno.test("checkConfig() checks the admin section's shape", () => {
  const { issues } = checkConfig("admin: { port: 70000, tls: true }\n", "a.yaml");
  const lines = issues.map(formatConfigIssue);
  assert.equal(lines.length, 2, lines.join("\n"));
  assert.ok(lines.some((l) => l.includes("admin.port") && l.includes("65535")), lines.join("\n"));
  assert.ok(lines.some((l) => l.includes("admin") && l.includes("tls")), lines.join("\n"));
});
