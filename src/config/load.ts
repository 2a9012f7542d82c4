/** Builds the resolved {@link Config}: file < environment < flags, validated once. */
import { type EnvKey, envKeys } from './env-keys.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { formatKey, toConfigIssues } from './issues.js';
import {
  applyOverride,
  type ConfigFlags,
  type ConfigOverride,
  collectOverrides,
  overrideKey,
  unknownVariables,
  valueAt,
} from './overrides.js';
import { readConfigFile } from './read-file.js';
import { configSchema } from './schema.js';
import type { Config } from './types.js';

/** Where {@link loadConfig} takes its settings from. */
export interface LoadConfigOptions {
  /** Config file (`.json`, `.yaml`, `.yml`); when absent, `SWITCHBOARD_CONFIG` names it; none is fine. */
  file?: string;
  /** Environment variables; `process.env` when absent. */
  env?: NodeJS.ProcessEnv;
  /** Command-line flags; they win over everything else. */
  flags?: ConfigFlags;
}

/**
 * Loads the configuration: the file (if any), then `SWITCHBOARD_*` environment variables, then flags,
 * each replacing the keys it sets; then validates the result and applies defaults. `node.name` defaults
 * to `<hostname>:<port>` with the final port.
 *
 * @throws {ConfigError} with every issue found; issues caused by a variable or flag are keyed by it,
 *   e.g. `SWITCHBOARD_PORT (http_server.port)`.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  return (await loadConfigSources(options)).config;
}

/** The loaded configuration, and whether the file, a variable or a flag set a key (no default). */
export interface LoadedConfig {
  config: Config;
  isSet(path: readonly string[]): boolean;
}

/** {@link loadConfig}, also telling which keys were set rather than defaulted. */
export async function loadConfigSources(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const file = options.file ?? (env['SWITCHBOARD_CONFIG'] || undefined);
  const fromFile = file === undefined ? {} : await readConfigFile(file);
  const { overrides, issues } = collectOverrides(env, options.flags ?? {}, configVariables());
  const merged = overrides.reduce((raw, { path, value }) => applyOverride(raw, path, value), fromFile);
  const config = validate(merged, overrides, issues, file);
  const isSet = (path: readonly string[]): boolean => valueAt(merged, path) !== undefined;
  return { config, isSet };
}

/**
 * Validates a plain object in the config file format (durations as strings) and applies defaults. Reads
 * no file and no environment.
 *
 * @throws {ConfigError} with every issue found.
 */
export function resolveConfig(raw: unknown): Config {
  return validate(raw, [], [], undefined);
}

/** The configuration with every default applied. */
export function defaultConfig(): Config {
  return resolveConfig({});
}

let variables: Map<string, EnvKey> | undefined;

/** Every configuration variable (`SWITCHBOARD_<PATH>`) and the key it sets. */
export function configVariables(): ReadonlyMap<string, EnvKey> {
  variables ??= envKeys(defaultConfig() as unknown as Record<string, unknown>);
  return variables;
}

/** `SWITCHBOARD_*` variables of `env` that are no configuration key (for a warning at start-up). */
export function unknownConfigVariables(env: NodeJS.ProcessEnv = process.env): string[] {
  return unknownVariables(env, configVariables());
}

function validate(
  raw: unknown,
  overrides: readonly ConfigOverride[],
  earlier: readonly ConfigIssue[],
  file: string | undefined,
): Config {
  const result = configSchema.safeParse(raw);
  if (result.success && earlier.length === 0) return result.data;
  // The last override of a key is the one whose value was validated.
  const sourceOf = new Map(overrides.map((o) => [formatKey(o.path), overrideKey(o.source, o.path)]));
  const found = result.success ? [] : toConfigIssues(configSchema, result.error.issues);
  const [first, ...rest] = [...earlier, ...found.map((i) => ({ ...i, key: sourceOf.get(i.key) ?? i.key }))];
  if (first === undefined) throw new Error('unreachable: validation failed without issues');
  throw new ConfigError([first, ...rest], file === undefined ? {} : { file });
}
