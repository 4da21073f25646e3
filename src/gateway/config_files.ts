/**
 * The gateway's configuration files, read with the endpoint schemas of the
 * connectors it has: composition, since the configuration layer does not
 * import connectors. The schema is compiled once, when this module loads.
 *
 * @module
 */
import {
  type ConfigCheck,
  ConfigReader,
  type GatewayConfig,
  type ParseConfigOptions,
} from "../config/mod.ts";
import { BUILTIN_CONNECTORS } from "../connectors/mod.ts";

const READER = new ConfigReader(BUILTIN_CONNECTORS);

/**
 * Checks configuration YAML and returns the model or every issue, in file order.
 *
 * @param text The YAML text.
 * @param source Where it came from (a path or a label); used in issues.
 */
export function checkConfig(
  text: string,
  source: string,
  options: ParseConfigOptions = {},
): ConfigCheck {
  return READER.check(text, source, options);
}

/**
 * Parses and validates gateway configuration YAML.
 *
 * @throws {ConfigError} code `config_invalid` with every issue when it is invalid.
 */
export function parseConfig(
  text: string,
  source: string,
  options: ParseConfigOptions = {},
): GatewayConfig {
  return READER.parse(text, source, options);
}

/**
 * Reads and validates a configuration file; relative paths in it resolve against its folder.
 *
 * @throws {ConfigError} code `config_io` when it cannot be read, `config_invalid` when invalid.
 */
export function loadConfigFile(path: string): Promise<GatewayConfig> {
  return READER.load(path);
}
