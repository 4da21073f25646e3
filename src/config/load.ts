/**
 * Reads gateway configuration text: YAML syntax, then structure against the
 * JSON Schema (defaults filled in), then the rules in code; every issue of the
 * file is reported at once, each placed at a line and column.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import process from "node:process";
import { buildConfig, defaultDataDir } from "./build.ts";
import { ConfigError, type ConfigIssue, type Finding } from "./issue.ts";
import { checkRules } from "./rules.ts";
import { configValidator, type EndpointSchema } from "./schema.ts";
import type { GatewayConfig } from "./types.ts";
import {
  checkYamlValue,
  offsetOf,
  parseYaml,
  placeFinding,
  type SchemaValidator,
  sortIssues,
} from "../base/mod.ts";

/** Options for {@linkcode parseConfig}. */
export interface ParseConfigOptions {
  /** The directory relative paths resolve against. @default the current directory */
  baseDir?: string;
  /** The data directory when the text names none. @default see {@linkcode defaultDataDir} */
  defaultDataDir?: string;
}

/** The outcome of checking a configuration: the model when valid, else every issue. */
export interface ConfigCheck {
  /** Present only when there are no issues. */
  readonly config?: GatewayConfig;
  /** Every problem, in file order; empty when valid. */
  readonly issues: readonly ConfigIssue[];
}

/**
 * Reads gateway configurations against the schema compiled once, with the
 * endpoint schemas of the connectors the gateway has.
 */
export class ConfigReader {
  readonly #schema: SchemaValidator;

  /** Compiles the configuration schema with each connector's endpoint schema. */
  constructor(endpoints: readonly EndpointSchema[]) {
    this.#schema = configValidator(endpoints);
  }

  /**
   * Checks configuration YAML and returns the model or every issue. Syntax
   * errors stop the check there (the tree after them is unreliable);
   * otherwise structural and rule issues are reported together.
   *
   * @param text The YAML text.
   * @param source Where it came from (a path or a label); used in issues.
   */
  check(text: string, source: string, options: ParseConfigOptions = {}): ConfigCheck {
    const parsed = parseYaml(text, "configuration");
    const place = (offset: number, finding: Finding): ConfigIssue =>
      placeFinding(source, parsed, offset, finding);
    if (parsed.syntax.length > 0) {
      return { issues: sortIssues(parsed.syntax.map((s) => place(s.offset, s.finding))) };
    }
    let value: unknown;
    try {
      value = parsed.doc.contents === null ? {} : parsed.doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { issues: [place(0, { path: [], rule: "yaml-syntax", message })] };
    }
    // The rules read the value as the schema left it: defaults filled in.
    const structural = checkYamlValue(this.#schema, parsed, value);
    const findings = [...structural, ...checkRules(value)];
    if (findings.length > 0) {
      return { issues: sortIssues(findings.map((f) => place(offsetOf(parsed.doc, f), f))) };
    }
    const baseDir = resolve(options.baseDir ?? process.cwd());
    const config = buildConfig(value as Record<string, unknown>, source, {
      baseDir,
      defaultDataDir: options.defaultDataDir ?? defaultDataDir(baseDir),
    });
    return { config, issues: [] };
  }

  /**
   * Parses and validates gateway configuration YAML.
   *
   * @param text The YAML text.
   * @param source Where it came from (a path or a label); used in issues.
   * @throws {ConfigError} code `config_invalid` with every issue when it is invalid.
   */
  parse(text: string, source: string, options: ParseConfigOptions = {}): GatewayConfig {
    const { config, issues } = this.check(text, source, options);
    if (config === undefined) {
      const count = issues.length === 1 ? "1 issue" : `${issues.length} issues`;
      throw new ConfigError(
        "config_invalid",
        `Configuration "${source}" is invalid (${count})`,
        issues,
      );
    }
    return config;
  }

  /**
   * Reads and validates a configuration file. Relative paths in it resolve
   * against the file's directory.
   *
   * @param path The file to read; issues name it as given.
   * @throws {ConfigError} code `config_io` when the file cannot be read,
   *   `config_invalid` with every issue when it is invalid.
   */
  async load(path: string): Promise<GatewayConfig> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(
        "config_io",
        `Cannot read configuration file "${path}": ${reason}`,
        [],
        { cause: error },
      );
    }
    return this.parse(text, path, { baseDir: dirname(resolve(path)) });
  }
}
