/**
 * `weir start`: runs the gateway. With `--config` it uses the brokers and
 * dataflows named there; without one it starts the embedded default (a
 * loopback broker, the sample temperature graph and a demo sensor) and says
 * where to look. SIGINT/SIGTERM stop it cleanly.
 *
 * @module
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type AdminServer, startAdmin } from "../admin/mod.ts";
import { WeirError } from "../base/mod.ts";
import {
  ConfigError,
  formatConfigIssue,
  type GatewayConfig,
  loadConfigFile,
} from "../config/mod.ts";
import { type EmbeddedDefault, embeddedDefault, startGateway } from "../gateway/mod.ts";
import { formatIssue, GraphValidationError } from "../graph/mod.ts";
import { jsonLogger } from "../telemetry/mod.ts";
import type { Command } from "./command.ts";
import type { Output } from "./output.ts";
import { onnxRuntimeDirs, startPermissions } from "./start_permissions.ts";

const USAGE =
  "start [--config <gateway.yaml>] [--modules <dir>] [--no-demo] [--port 1883] [--metrics-port 9464] [--admin-port 8080] [--data-dir <dir>] [--print-deno-flags]";

// Weir's own files sit at fixed places from here, in a checkout (src/cli/) and in a release
// (lib/weir/, where the packager puts the bundle); paths a user gives start at their own folder.
const APP_DIR = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const SAMPLE_GRAPH = fileURLToPath(new URL("../../graphs/temperature.yaml", import.meta.url));
const SAMPLE_MODULES = fileURLToPath(new URL("../../modules/dist", import.meta.url));

/** Exit codes: 0 after a clean stop, 1 when the gateway cannot start, 2 on usage errors. */
export const startCommand: Command = {
  path: ["start"],
  usage: USAGE,
  summary:
    "Run the gateway (with no --config: an embedded broker, the sample graph and a demo sensor)",
  run: runStart,
};

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (name: string) => () => {
      Deno.removeSignalListener("SIGINT", onInt);
      Deno.removeSignalListener("SIGTERM", onTerm);
      resolve(name);
    };
    const onInt = handler("SIGINT");
    const onTerm = handler("SIGTERM");
    Deno.addSignalListener("SIGINT", onInt);
    Deno.addSignalListener("SIGTERM", onTerm);
  });
}

/**
 * What the banner says about the admin token. The token itself only to a
 * terminal on the start that created it: under systemd, stdout is the
 * journal, which more people and tools read than the 0600 token file.
 */
function tokenLine(admin: AdminServer, terminal: boolean): string {
  if (admin.tokenCreated && terminal) {
    return `${admin.token}  (shown once; kept in ${admin.tokenFile})`;
  }
  return `in ${admin.tokenFile}${admin.tokenCreated ? " (created now, mode 0600)" : ""}`;
}

async function runStart(args: string[], output: Output): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: "string" },
        modules: { type: "string", default: SAMPLE_MODULES },
        "no-demo": { type: "boolean", default: false },
        port: { type: "string", default: "1883" },
        "metrics-port": { type: "string", default: "9464" },
        "admin-port": { type: "string" },
        "data-dir": { type: "string", default: ".weir" },
        "print-deno-flags": { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    output.err(`weir start: ${(error as Error).message}`);
    output.err(`Usage: weir ${USAGE}`);
    return 2;
  }
  if (values.help) {
    output.out(`Usage: weir ${USAGE}`);
    return 0;
  }
  if (values["print-deno-flags"]) return await printDenoFlags(values, output);
  // Listen for signals from the start, so a stop during start-up is still clean.
  const signal = waitForSignal();
  let embedded: EmbeddedDefault | undefined;
  let admin: AdminServer | undefined;
  let config: GatewayConfig;
  try {
    if (values.config) {
      config = await loadConfigFile(values.config);
    } else {
      embedded = await embeddedDefault({
        graphFile: SAMPLE_GRAPH,
        dataDir: resolve(values["data-dir"]!),
        port: Number(values.port),
      });
      config = embedded.config;
    }
    const log = jsonLogger({ level: config.logging.level, write: (l) => output.err(l) });
    const metricsPort = Number(values["metrics-port"]);
    const adminPort = values["admin-port"] === undefined ? undefined : Number(values["admin-port"]);
    if (adminPort !== undefined && !(Number.isInteger(adminPort) && adminPort >= 0)) {
      throw new WeirError("usage", `--admin-port "${values["admin-port"]}" is not a port number`);
    }
    const gateway = await startGateway({
      config,
      log,
      modulesDir: resolve(values.modules!),
      metricsPort: Number.isInteger(metricsPort) && metricsPort >= 0 ? metricsPort : 9464,
    });
    if (config.admin.enabled) {
      try {
        admin = await startAdmin({
          control: gateway.control,
          log: log.child({ component: "admin" }),
          dataDir: config.dataDir,
          host: config.admin.host,
          port: adminPort ?? config.admin.port,
          allowRemote: config.admin.allowRemote,
        });
      } catch (error) {
        await gateway.stop();
        throw error;
      }
    }
    const demo = embedded && !values["no-demo"] ? await embedded.startDemo() : undefined;
    if (embedded) {
      output.out(`Weir is running on the embedded default.`);
      output.out(`  broker:       ${embedded.broker.url} (MQTT 3.1.1)`);
      output.out(
        `  input filter: ${embedded.inputFilter}${
          demo ? `  (demo sensor publishing to ${demo.topic})` : ""
        }`,
      );
      output.out(`  output topic: ${embedded.outputTopic}`);
    } else {
      output.out(
        `Weir is running ${
          Object.keys(config.dataflows).length
        } dataflow(s) from ${config.source}.`,
      );
    }
    if (gateway.metricsUrl) output.out(`  metrics:      ${gateway.metricsUrl}`);
    if (admin) {
      output.out(`  admin page:   ${admin.url}`);
      output.out(`  admin token:  ${tokenLine(admin, output.isTerminal())}`);
    }
    output.out(`Stop with Ctrl-C.`);
    log.log("info", "stopping", { signal: await signal });
    await demo?.stop();
    await admin?.stop();
    await gateway.stop();
    await embedded?.broker.close();
    return 0;
  } catch (error) {
    await embedded?.broker.close();
    if (error instanceof ConfigError) {
      error.issues.forEach((i) => output.err(formatConfigIssue(i)));
      if (error.issues.length === 0) output.err(`weir start: ${error.message}`);
      return 1;
    }
    if (error instanceof GraphValidationError) {
      error.issues.forEach((i) => output.err(formatIssue(i)));
      return 1;
    }
    if (error instanceof WeirError) {
      output.err(`weir start: ${error.message} [${error.code}]`);
      return 1;
    }
    throw error;
  }
}

/** The parsed `weir start` options. */
interface StartValues {
  readonly config?: string | undefined;
  readonly modules?: string | undefined;
  readonly "metrics-port"?: string | undefined;
  readonly "admin-port"?: string | undefined;
  readonly "data-dir"?: string | undefined;
}

/** `--print-deno-flags`: the permissions this start needs, one `deno run` flag per line. */
async function printDenoFlags(values: StartValues, output: Output): Promise<number> {
  try {
    const config = values.config === undefined ? undefined : await loadConfigFile(values.config);
    const adminPort = values["admin-port"] === undefined ? undefined : Number(values["admin-port"]);
    const flags = startPermissions({
      ...(config === undefined ? {} : { config, configFile: resolve(values.config!) }),
      appDir: APP_DIR,
      modulesDir: resolve(values.modules ?? SAMPLE_MODULES),
      dataDir: resolve(values["data-dir"] ?? ".weir"),
      metricsPort: Number(values["metrics-port"] ?? 9464) || 0,
      ...(adminPort === undefined || !Number.isInteger(adminPort) ? {} : { adminPort }),
      onnxRuntime: onnxRuntimeDirs(),
    });
    flags.forEach((f) => output.out(f));
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      error.issues.forEach((i) => output.err(formatConfigIssue(i)));
      if (error.issues.length === 0) output.err(`weir start: ${error.message}`);
      return 1;
    }
    if (error instanceof WeirError) {
      output.err(`weir start: ${error.message} [${error.code}]`);
      return 1;
    }
    throw error;
  }
}
