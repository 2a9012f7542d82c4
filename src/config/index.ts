/** Configuration: one schema, loaded from a file, the environment and flags, with errors naming the key. */

export { NAMESPACE_NAME_PATTERN } from './channel-schema.js';
export { defaultFileConfig, formatDuration } from './defaults-file.js';
export { DURATION_FORMAT_HINT, parseDuration } from './duration.js';
export { envName } from './env-keys.js';
export { ConfigError, type ConfigIssue, DurationError, formatConfigIssue } from './errors.js';
export {
  configVariables,
  defaultConfig,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  loadConfigSources,
  resolveConfig,
  unknownConfigVariables,
} from './load.js';
export { CONFIG_ENV_VARS, type ConfigFlags } from './overrides.js';
export { CONFIG_FILE_EXTENSIONS } from './read-file.js';
export { type ConfigFile, configSchema, LOG_LEVELS } from './schema.js';
export { loadTlsCredentials, type TlsCredentials } from './tls.js';
export type {
  ChannelOptions,
  ClientConfig,
  Config,
  NamespaceConfig,
  TlsConfig,
  TokenConfig,
} from './types.js';
