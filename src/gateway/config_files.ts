/**
 * The gateway's configuration files, read with the endpoint schemas of the
 * connectors it has: composition, since the configuration layer does not
 * import connectors. The schema is compiled once, when this module loads.
 *
 * @module
 */
import { CONFIG_SCHEMA, ConfigReader, type JsonSchema } from "../config/mod.ts";
import { BUILTIN_CONNECTORS } from "../connectors/mod.ts";

const READER = new ConfigReader(BUILTIN_CONNECTORS);

/**
 * The schema of a dataflow's configuration values (`definitions.Configuration`
 * of the configuration schema): what a deploy through the admin API may set too.
 */
export const CONFIGURATION_VALUES_SCHEMA: JsonSchema =
  (CONFIG_SCHEMA.definitions as Readonly<Record<string, JsonSchema>>).Configuration!;

/**
 * Checks configuration YAML and returns the model or every issue, in file order
 * (`text`, then `source`, the path or label issues name, then options).
 */
export const checkConfig: ConfigReader["check"] = READER.check.bind(READER);

/**
 * Parses and validates gateway configuration YAML.
 *
 * @throws {ConfigError} code `config_invalid` with every issue when it is invalid.
 */
export const parseConfig: ConfigReader["parse"] = READER.parse.bind(READER);

/**
 * Reads and validates a configuration file; relative paths in it resolve against its folder.
 *
 * @throws {ConfigError} code `config_io` when it cannot be read, `config_invalid` when invalid.
 */
export const loadConfigFile: ConfigReader["load"] = READER.load.bind(READER);
