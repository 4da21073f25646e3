import assert from "node:assert/strict";
import { formatConfigIssue } from "../src/config/mod.ts";
import { checkConfig, parseConfig } from "../src/gateway/mod.ts";
import { OciClient, type RegistryConfig } from "../src/oci/mod.ts";

const REGISTRIES = `
registries:
  samples:
    host: ghcr.io/azure-samples/explore-iot-operations
  plant:
    host: registry.plant.example:5443
    credentials: { username: gateway, passwordFile: secrets/registry.txt }
    tls: { ca: certs/registry-ca.pem }
  acr:
    host: myacr.azurecr.io
    token: { env: WEIR_ACR_TOKEN }
  local:
    host: "127.0.0.1:5000"
    plainHttp: true
    credentials: { username: dev, passwordEnv: WEIR_REGISTRY_PW }
`;

Deno.test("parseConfig() reads registries with defaults applied and paths resolved", () => {
  const config = parseConfig(REGISTRIES, "weir.yaml", { baseDir: "/srv/weir" });
  assert.deepEqual(config.registries, {
    samples: { host: "ghcr.io/azure-samples/explore-iot-operations", plainHttp: false },
    plant: {
      host: "registry.plant.example:5443",
      plainHttp: false,
      credentials: { username: "gateway", passwordFile: "/srv/weir/secrets/registry.txt" },
      tls: { ca: "/srv/weir/certs/registry-ca.pem" },
    },
    acr: { host: "myacr.azurecr.io", plainHttp: false, token: { env: "WEIR_ACR_TOKEN" } },
    local: {
      host: "127.0.0.1:5000",
      plainHttp: true,
      credentials: { username: "dev", passwordEnv: "WEIR_REGISTRY_PW" },
    },
  });
});

Deno.test("parseConfig() gives an empty registries map when the file names none", () => {
  assert.deepEqual(parseConfig("", "empty.yaml", { baseDir: "/srv" }).registries, {});
});

Deno.test("parseConfig() registries pass to OciClient as they are", () => {
  const config = parseConfig(REGISTRIES, "weir.yaml", { baseDir: "/srv/weir" });
  const registries: RegistryConfig[] = Object.entries(config.registries).map(([name, r]) => ({
    name,
    ...r,
  }));
  using client = new OciClient({ registries, cacheDir: "/tmp/unused-weir-oci-cache" });
  assert.equal(client.cacheDir, "/tmp/unused-weir-oci-cache");
});

Deno.test("checkConfig() reports registry problems with line, column, path, found and expected", () => {
  const text = `registries:
  remote:
    host: registry.example.com
    plainHttp: true
  both:
    host: "localhost:5000"
    plainHttp: true
    tls: { ca: ca.pem }
  secret:
    host: https://ghcr.io
    credentials: { username: u, password: hunter2 }
    token: { value: abc }
  again:
    host: registry.example.com
  typo:
    host: ghcr.io
    plaintext: true
`;
  const { config, issues } = checkConfig(text, "reg.yaml");
  assert.equal(config, undefined);
  assert.deepEqual(issues.map(formatConfigIssue), [
    'reg.yaml:4:16: registries.remote.plainHttp: found plainHttp with the host "registry.example.com", expected 127.0.0.1, ::1 or localhost (use HTTPS for any other registry) [plain-http-loopback]',
    "reg.yaml:8:5: registries.both.tls: found tls settings with plainHttp: true, expected one or the other [tls-plain-http]",
    'reg.yaml:10:11: registries.secret.host: found string "https://ghcr.io", expected a registry host[:port][/path prefix] without a scheme [pattern]',
    'reg.yaml:11:18: registries.secret.credentials: missing required field "passwordFile" or "passwordEnv" [required]',
    'reg.yaml:11:33: registries.secret.credentials.password: found "password": inline passwords are not allowed, expected "passwordFile" or "passwordEnv" [forbidden]',
    'reg.yaml:12:12: registries.secret.token: missing required field "file" or "env" [required]',
    'reg.yaml:12:14: registries.secret.token.value: found "value": inline tokens are not allowed, expected "file" or "env" [forbidden]',
    'reg.yaml:14:11: registries.again.host: found host "registry.example.com" again (registry "remote" has it), expected each registry host and path prefix once [duplicate-registry]',
    'reg.yaml:17:5: registries.typo.plaintext: found unknown field "plaintext", expected "host", "plainHttp", "credentials", "token", "tls" or "maxArtifactBytes" [unknown-field]',
  ]);
});

Deno.test("checkConfig() accepts plain HTTP to every loopback spelling", () => {
  const text = `registries:
  a: { host: "127.0.0.1:5000", plainHttp: true }
  b: { host: "localhost:5000/team", plainHttp: true }
  c: { host: "[::1]:5000", plainHttp: true }
`;
  const { issues } = checkConfig(text, "loop.yaml");
  assert.deepEqual(issues.map(formatConfigIssue), []);
});

Deno.test("checkConfig() wants graph references on a configured registry or loopback unless allowAnyRegistry", () => {
  const text = `registries:
  plant: { host: registry.plant.example/weir }
  local: { host: "127.0.0.1:5000", plainHttp: true }
endpoints:
  mq: { url: "mqtt://127.0.0.1:1883" }
dataflows:
  configured:
    source: { endpoint: mq, topics: [a/#] }
    graph: { ref: "registry.plant.example/weir/graph:1.0.0" }
    destination: { endpoint: mq, topic: out/a }
  elsewhere:
    source: { endpoint: mq, topics: [b/#] }
    graph: { ref: "ghcr.io/azure-samples/explore-iot-operations/graph-simple:1.0.0" }
    destination: { endpoint: mq, topic: out/b }
  loopback:
    source: { endpoint: mq, topics: [c/#] }
    graph: { ref: "localhost:6000/graph:1" }
    destination: { endpoint: mq, topic: out/c }
  hostless:
    source: { endpoint: mq, topics: [d/#] }
    graph: { ref: "graph:1" }
    destination: { endpoint: mq, topic: out/d }
`;
  assert.deepEqual(checkConfig(text, "refs.yaml").issues.map(formatConfigIssue), [
    'refs.yaml:13:19: dataflows.elsewhere.graph.ref: found the registry "ghcr.io", expected one of the registries under registries ("registry.plant.example" or "127.0.0.1:5000") or this machine; add it under registries, or set allowAnyRegistry: true [unconfigured-registry]',
  ]);
  const none = checkConfig(text.replace(/^registries:\n(.*\n){2}/, ""), "none.yaml");
  assert.deepEqual(none.issues.map((i) => [i.path, i.message]), [[
    "dataflows.configured.graph.ref",
    'found the registry "registry.plant.example", expected a registry under registries (there are none) or this machine; add it under registries, or set allowAnyRegistry: true',
  ], [
    "dataflows.elsewhere.graph.ref",
    'found the registry "ghcr.io", expected a registry under registries (there are none) or this machine; add it under registries, or set allowAnyRegistry: true',
  ]]);
  const any = parseConfig(`allowAnyRegistry: true\n${text}`, "any.yaml");
  assert.equal(any.allowAnyRegistry, true);
  assert.equal(parseConfig(REGISTRIES, "weir.yaml").allowAnyRegistry, false);
});

Deno.test("parseConfig() reads maxArtifactBytes as bytes; checkConfig() refuses sizes below 1 byte", () => {
  const config = parseConfig(
    `registries:
  big: { host: ghcr.io, maxArtifactBytes: 512MiB }
  exact: { host: "127.0.0.1:5000", plainHttp: true, maxArtifactBytes: 1000 }
  plain: { host: quay.io }
`,
    "sizes.yaml",
    { baseDir: "/srv" },
  );
  assert.equal(config.registries.big?.maxArtifactBytes, 512 * 1024 * 1024);
  assert.equal(config.registries.exact?.maxArtifactBytes, 1000);
  assert.equal("maxArtifactBytes" in config.registries.plain!, false);
  const { issues } = checkConfig(
    `registries:
  tiny: { host: ghcr.io, maxArtifactBytes: 0.1B }
  zero: { host: quay.io, maxArtifactBytes: 0 }
  word: { host: docker.io, maxArtifactBytes: lots }
`,
    "bad-sizes.yaml",
  );
  assert.deepEqual(issues.map((i) => [i.path, i.rule]), [
    ["registries.tiny.maxArtifactBytes", "minimum"],
    ["registries.zero.maxArtifactBytes", "minimum"],
    ["registries.word.maxArtifactBytes", "pattern"],
  ]);
});
