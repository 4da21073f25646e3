/**
 * Fuzz target: gateway configuration files, as `weir start --config` reads
 * them. Inputs are valid configurations (every section in use) with their
 * value mutated or their text damaged, and YAML hostile by construction.
 * `checkConfig()` must answer a configuration or issues (never both, never
 * neither) placed in the text; `parseConfig()` must agree, its refusal a
 * `config_invalid` ConfigError; a configuration it takes must be usable: every
 * dataflow names configured endpoints, sizes are whole positive bytes.
 *
 * @module
 */
import fc from "fast-check";
import { ConfigError, type GatewayConfig } from "../../src/config/mod.ts";
import { checkConfig, parseConfig } from "../../src/gateway/mod.ts";
import {
  checkIssues,
  mutateText,
  mutateValue,
  NASTY_YAML,
  type TextMutation,
  textMutationArb,
  type ValueMutation,
  valueMutationArb,
  yamlOf,
} from "./_yaml_parts.ts";
import type { FuzzTarget } from "./_target.ts";

/** One input: the text to check. */
export interface GatewayConfigCase {
  readonly text: string;
}

/** Valid configurations that use every section between them. */
const BASES: readonly unknown[] = [
  {
    endpoints: {
      local: { url: "mqtt://127.0.0.1:1883", qos: 1, protocol: "5" },
      cloud: {
        url: "mqtts://broker.example:8883",
        clientId: "edge-7",
        tls: { ca: "ca.pem", cert: "c.pem", key: "c.key" },
        credentials: { username: "u", passwordFile: "/run/secrets/p" },
        keepAliveSeconds: 30,
        sessionExpirySeconds: 600,
        receiveMaximum: 100,
      },
    },
    dataflows: {
      ovens: {
        source: { endpoint: "local", topics: ["sensors/+/t", "line/#"], sharedGroup: "weir" },
        graph: { file: "graphs/temperature.yaml" },
        configuration: { lower: "-10", enabled: true, n: 3 },
        timing: { idleMs: 500, latenessMs: 2000, maxClockDriftMs: 60000 },
        destination: { endpoint: "cloud", topic: "plant/${outputTopic}" },
      },
      pulled: {
        source: { endpoint: "local", topics: ["in/#"] },
        graph: { ref: "registry.example/graphs/g:1.0.0", watchSeconds: 30 },
        destination: { endpoint: "local", topic: "out/x" },
      },
      bridge: {
        source: { endpoint: "cloud", topics: ["cmd/#"] },
        destination: { endpoint: "local", topic: "cmd" },
      },
    },
    registries: {
      plant: {
        host: "registry.example",
        credentials: { username: "r", passwordEnv: "REG_PASSWORD" },
        maxArtifactBytes: "64MiB",
      },
      local: { host: "127.0.0.1:5000", plainHttp: true },
    },
    dataDir: "/var/lib/weir",
    logging: { level: "debug" },
    admin: { enabled: true, host: "127.0.0.1", port: 8080 },
    queue: {
      maxBytes: "256MiB",
      maxAgeSeconds: 3600,
      policy: "reject-new",
      deadLetterMaxBytes: 1e6,
    },
    state: { maxBytes: "64MiB", maxKeys: 1000 },
    ml: {
      enabled: true,
      maxModelBytes: "50MiB",
      computeTimeoutMs: 500,
      models: { m: { file: "m.onnx" } },
    },
  },
  {
    endpoints: { b: { url: "mqtt://localhost" } },
    dataflows: {
      f: {
        source: { endpoint: "b", topics: ["a"] },
        destination: { endpoint: "b", topic: "z" },
      },
    },
  },
];

const baseArb = fc.nat({ max: BASES.length - 1 }).map((i) => BASES[i]);

const mutatedValueArb = fc.tuple(
  baseArb,
  fc.array(valueMutationArb, { minLength: 1, maxLength: 4 }),
)
  .map(([value, mutations]: [unknown, ValueMutation[]]) => yamlOf(mutateValue(value, mutations)));

const damagedTextArb = fc.tuple(baseArb, fc.array(textMutationArb, { minLength: 1, maxLength: 4 }))
  .map(([value, mutations]: [unknown, TextMutation[]]) => mutateText(yamlOf(value), mutations));

const arbitrary: fc.Arbitrary<GatewayConfigCase> = fc.oneof(
  { weight: 6, arbitrary: mutatedValueArb },
  { weight: 4, arbitrary: damagedTextArb },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY_YAML) },
).map((text) => ({ text }));

const FILE = "fuzz-gateway.yaml";
const OPTIONS = { baseDir: "/etc/weir" };

/** Throws unless a configuration the loader took can be used as it is. */
function checkUsable(config: GatewayConfig): void {
  for (const [name, flow] of Object.entries(config.dataflows)) {
    for (const endpoint of [flow.source.endpoint, flow.destination.endpoint]) {
      if (config.endpoints[endpoint] === undefined) {
        throw new Error(`Dataflow "${name}" names endpoint "${endpoint}", which is not configured`);
      }
    }
    if (flow.source.topics.length === 0) throw new Error(`Dataflow "${name}" has no topics`);
  }
  const sizes = {
    "queue.maxBytes": config.queue.maxBytes,
    "state.maxBytes": config.state.maxBytes,
    "state.maxKeys": config.state.maxKeys,
    "ml.maxModelBytes": config.ml.maxModelBytes,
  };
  for (const [what, n] of Object.entries(sizes)) {
    if (!(Number.isSafeInteger(n) && n >= 1)) throw new Error(`${what} is ${n}`);
  }
}

/** The target. */
export const gatewayConfigTarget: FuzzTarget<GatewayConfigCase> = {
  name: "gateway-config",
  description: "gateway configuration: checkConfig() and parseConfig() on mutated valid files",
  arbitrary,
  property({ text }: GatewayConfigCase): void {
    const check = checkConfig(text, FILE, OPTIONS);
    if ((check.config === undefined) === (check.issues.length === 0)) {
      throw new Error(
        `checkConfig() gave ${check.issues.length} issues and config: ${!!check.config}`,
      );
    }
    checkIssues(check.issues, FILE, text);
    let config;
    try {
      config = parseConfig(text, FILE, OPTIONS);
    } catch (error) {
      // Its message lists every issue, each checked above; a long file may have many.
      if (!(error instanceof ConfigError) || error.code !== "config_invalid") throw error;
      if (check.config !== undefined) {
        throw new Error("parseConfig() refused what checkConfig() took");
      }
      if (error.issues.length !== check.issues.length) {
        throw new Error("parseConfig() and checkConfig() found different issues");
      }
      return;
    }
    if (check.config === undefined) {
      throw new Error("parseConfig() took what checkConfig() refused");
    }
    checkUsable(config);
  },
};
