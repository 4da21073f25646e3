/**
 * `weir start`: runs the gateway. With `--config` it uses the brokers and
 * dataflows named there; without one it starts the embedded default (a
 * loopback broker, the sample temperature graph and a demo sensor) and says
 * where to look, and which version each dataflow serves from where.
 * SIGINT/SIGTERM stop it cleanly; SIGHUP reads the configuration again and
 * applies what changed.
 *
 * @module
 */
import { reportFailure } from "./report_failure.ts";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type AdminServer, startAdmin } from "../admin/mod.ts";
import { defined, WeirError } from "../base/mod.ts";
import { ConfigError, formatConfigIssue, type GatewayConfig } from "../config/mod.ts";
import {
  type DataflowStatus,
  type EmbeddedDefault,
  embeddedDefault,
  type Gateway,
  loadConfigFile,
  startGateway,
} from "../gateway/mod.ts";
import { jsonLogger, type Logger } from "../telemetry/mod.ts";
import { DEFAULT_DATA_DIR } from "./admin_client.ts";
import { type Command, parseCommandArgs } from "./command.ts";
import type { Output } from "./output.ts";
import { captureRuntimeWarnings } from "./runtime_warnings.ts";
import { describeVersion } from "./version_text.ts";
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
  flags: [
    {
      flag: "--config <gateway.yaml>",
      text:
        "Endpoints, dataflows, registries, queue and admin settings; without it the embedded default runs",
    },
    {
      flag: "--modules <dir>",
      text:
        "Where modules named in graphs are found, as <dir>/<name>.wasm (default: the sample modules shipped with Weir)",
    },
    {
      flag: "--data-dir <dir>",
      text:
        `Queue, state, saved deployments and the admin token of the embedded default (default ${DEFAULT_DATA_DIR}; with --config, its dataDir)`,
    },
    {
      flag: "--port <port>",
      text: "The embedded broker's port, or the next free one (default 1883)",
    },
    { flag: "--no-demo", text: "No demo sensor (embedded default only)" },
    {
      flag: "--metrics-port <port>",
      text: "/metrics on 127.0.0.1 (default 9464; 0 for any free port)",
    },
    { flag: "--admin-port <port>", text: "The admin page and API (default: admin.port, 8080)" },
    {
      flag: "--print-deno-flags",
      text:
        "Print the Deno permissions this start needs, one flag per line, and exit (bin/weir runs with them)",
    },
  ],
  notes: [
    "SIGINT or SIGTERM stops it cleanly. SIGHUP reads --config again and applies what changed:",
    "a dataflow's graph or configuration values are hot-loaded (nothing lost), added and removed",
    "dataflows start and stop, other dataflow changes restart that dataflow.",
  ],
  run: runStart,
};

/**
 * SIGHUP: the configuration file read again and applied as hot loads. Listened
 * for from the start (its default would end the process); until the gateway
 * runs, one is only logged.
 */
function listenForReload(): { set(reload: () => Promise<void>): void; stop(): void } {
  let reload: (() => Promise<void>) | undefined;
  let running = Promise.resolve();
  const onHup = () => {
    const apply = reload;
    if (apply === undefined) return;
    running = running.then(apply);
  };
  Deno.addSignalListener("SIGHUP", onHup);
  return {
    set: (r) => (reload = r),
    stop: () => Deno.removeSignalListener("SIGHUP", onHup),
  };
}

/** Reads the configuration file again and applies it; an invalid one changes nothing. */
async function reloadFrom(file: string, gateway: Gateway, log: Logger): Promise<void> {
  log.log("info", "reloading the configuration", { file });
  try {
    await gateway.reload(await loadConfigFile(file));
  } catch (error) {
    log.log("error", "configuration not reloaded; the gateway runs as it was", {
      file,
      ...(error instanceof ConfigError
        ? { issues: error.issues.map(formatConfigIssue) }
        : { error }),
    });
  }
}

const SERVED: Record<DataflowStatus["servedFrom"], string> = {
  configuration: "from the configuration",
  "embedded-default": "from the embedded default",
  "saved-deployment": "from a saved deployment",
};

/** What the banner says each dataflow serves, and how to drop a saved deployment. */
function servingLines(dataflows: readonly DataflowStatus[], dataDir: string): string[] {
  return dataflows.flatMap((d) => {
    const line = `  serving:      ${d.name}: ${describeVersion(d.current)} ${SERVED[d.servedFrom]}`;
    return d.servedFrom !== "saved-deployment" ? [line] : [
      line,
      `                (saved by a deploy; serve the configuration again with: weir deployments reset ${d.name} --data-dir ${dataDir})`,
    ];
  });
}

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
  const options = {
    config: { type: "string" },
    modules: { type: "string", default: SAMPLE_MODULES },
    "no-demo": { type: "boolean", default: false },
    port: { type: "string", default: "1883" },
    "metrics-port": { type: "string", default: "9464" },
    "admin-port": { type: "string" },
    "data-dir": { type: "string", default: DEFAULT_DATA_DIR },
    "print-deno-flags": { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  } as const;
  const words = { name: "start", usage: USAGE, positionals: false };
  const values = parseCommandArgs(args, options, words, output)?.values;
  if (values === undefined) return 2;
  if (values.help) {
    output.out(`Usage: weir ${USAGE}`);
    return 0;
  }
  if (values["print-deno-flags"]) return await printDenoFlags(values, output);
  // Listen for signals from the start, so a stop during start-up is still clean.
  const signal = waitForSignal();
  const reloads = listenForReload();
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
    const restoreWarnings = captureRuntimeWarnings(log);
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
    servingLines(gateway.control.dataflows(), config.dataDir).forEach((l) => output.out(l));
    const configFile = values.config;
    reloads.set(() =>
      configFile === undefined
        ? Promise.resolve(
          log.log("info", "nothing to reload: the embedded default has no configuration file"),
        )
        : reloadFrom(configFile, gateway, log)
    );
    if (gateway.metricsUrl) output.out(`  metrics:      ${gateway.metricsUrl}`);
    if (admin) {
      output.out(`  admin page:   ${admin.url}`);
      output.out(`  admin token:  ${tokenLine(admin, output.isTerminal())}`);
    }
    output.out(`Stop with Ctrl-C.`);
    log.log("info", "stopping", { signal: await signal });
    reloads.stop();
    await demo?.stop();
    await admin?.stop();
    await gateway.stop();
    await embedded?.broker.close();
    restoreWarnings();
    return 0;
  } catch (error) {
    reloads.stop();
    await embedded?.broker.close();
    return reportFailure("start", error, output);
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
    const adminPort = Number(values["admin-port"]);
    const flags = startPermissions({
      ...defined({ config, configFile: values.config && resolve(values.config) }),
      appDir: APP_DIR,
      modulesDir: resolve(values.modules ?? SAMPLE_MODULES),
      dataDir: resolve(values["data-dir"] ?? DEFAULT_DATA_DIR),
      metricsPort: Number(values["metrics-port"] ?? 9464) || 0,
      ...(Number.isInteger(adminPort) ? { adminPort } : {}),
      onnxRuntime: onnxRuntimeDirs(),
    });
    flags.forEach((f) => output.out(f));
    return 0;
  } catch (error) {
    return reportFailure("start", error, output);
  }
}
