/** Values from environment variables and command-line flags that replace what the config file says. */
import { ENV_PREFIX, type EnvKey, readEnvValue } from './env-keys.js';
import type { ConfigIssue } from './errors.js';
import { describeValue } from './fields.js';

/** Command-line settings; each one, when set, wins over the environment and the file. */
export interface ConfigFlags {
  /** `http_server.port`; a string must be a decimal integer. */
  port?: number | string;
  /** `http_server.address`. */
  address?: string;
  /** `node.name`. */
  nodeName?: string;
  /** `log.level`. */
  logLevel?: string;
  /** `http_api.key`. */
  apiKey?: string;
  /** `client.token.hmac_secret_key`. */
  tokenHmacSecret?: string;
}

/** One value set outside the file. */
export interface ConfigOverride {
  /** Where it goes in the file format, e.g. `['http_server', 'port']`. */
  readonly path: readonly string[];
  readonly value: unknown;
  /** Where it came from, e.g. `SWITCHBOARD_PORT` or `--port`; used to key errors. */
  readonly source: string;
}

/**
 * Short names for the keys set most often, kept beside the general rule (env-keys.ts); each wins
 * over the general name of the same key.
 */
export const CONFIG_ENV_VARS = {
  SWITCHBOARD_PORT: ['http_server', 'port'],
  SWITCHBOARD_ADDRESS: ['http_server', 'address'],
  SWITCHBOARD_TOKEN_HMAC_SECRET: ['client', 'token', 'hmac_secret_key'],
  SWITCHBOARD_API_KEY: ['http_api', 'key'],
  SWITCHBOARD_NODE_NAME: ['node', 'name'],
  SWITCHBOARD_LOG_LEVEL: ['log', 'level'],
  SWITCHBOARD_REDIS_URL: ['engine', 'redis', 'address'],
} as const satisfies Record<string, readonly string[]>;

/** Flags, the name they are reported under, and the config key each one sets. */
const FLAGS = {
  port: { name: '--port', path: ['http_server', 'port'] },
  address: { name: '--address', path: ['http_server', 'address'] },
  nodeName: { name: '--node-name', path: ['node', 'name'] },
  logLevel: { name: '--log-level', path: ['log', 'level'] },
  apiKey: { name: '--api-key', path: ['http_api', 'key'] },
  tokenHmacSecret: { name: '--token-hmac-secret', path: ['client', 'token', 'hmac_secret_key'] },
} as const satisfies Record<keyof ConfigFlags, { name: string; path: readonly string[] }>;

/** `SWITCHBOARD_PORT (http_server.port)`: the key of an issue caused by an override. */
export function overrideKey(source: string, path: readonly string[]): string {
  return `${source} (${path.join('.')})`;
}

/**
 * Collects the overrides from `env` then `flags`, so a flag comes after (and wins over) the variable for
 * the same key. Empty environment variables count as unset. Ports given as strings are converted here;
 * every other check is left to the schema.
 */
export function collectOverrides(
  env: NodeJS.ProcessEnv,
  flags: ConfigFlags,
  keys: ReadonlyMap<string, EnvKey> = new Map(),
): { overrides: ConfigOverride[]; issues: ConfigIssue[] } {
  const overrides: ConfigOverride[] = [];
  const issues: ConfigIssue[] = [];
  const add = (source: string, path: readonly string[], value: unknown): void => {
    if (path.join('.') === 'http_server.port' && typeof value === 'string') {
      if (!/^\d+$/.test(value)) {
        issues.push({
          key: overrideKey(source, path),
          message: `expected an integer port from 0 to 65535, got ${describeValue(value)}`,
        });
        return;
      }
      overrides.push({ source, path, value: Number(value) });
      return;
    }
    overrides.push({ source, path, value });
  };
  // Sections before the keys inside them, so `SWITCHBOARD_CLIENT_TOKEN` then a key of it both hold.
  const general = Object.keys(env)
    .filter((name) => keys.has(name) && !(name in CONFIG_ENV_VARS) && env[name] !== '')
    .map((name) => ({ name, key: keys.get(name)! }))
    .sort((a, b) => a.key.path.length - b.key.path.length);
  for (const { name, key } of general) {
    overrides.push({ source: name, path: key.path, value: readEnvValue(key.kind, env[name]!) });
  }
  for (const [name, path] of Object.entries(CONFIG_ENV_VARS)) {
    const value = env[name];
    if (value !== undefined && value !== '') add(name, path, value);
  }
  for (const [flag, { name, path }] of Object.entries(FLAGS)) {
    const value = flags[flag as keyof ConfigFlags];
    if (value !== undefined) add(name, path, value);
  }
  return { overrides, issues };
}

/**
 * Returns a copy of `target` with `value` at `path`, creating missing sections. A section that is present
 * but not a mapping is left alone so that validation reports it against the file.
 */
export function applyOverride(
  target: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return target;
  if (rest.length === 0) return { ...target, [head]: value };
  const child = target[head] ?? {};
  if (typeof child !== 'object' || child === null || Array.isArray(child)) return target;
  return { ...target, [head]: applyOverride(child as Record<string, unknown>, rest, value) };
}

/** The value at `path` in a config tree, or undefined where the path leaves the mappings. */
export function valueAt(tree: unknown, path: readonly string[]): unknown {
  let node = tree;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Variables named like configuration (`SWITCHBOARD_*`) that set nothing: a typo, or another tool's. */
export function unknownVariables(env: NodeJS.ProcessEnv, keys: ReadonlyMap<string, EnvKey>): string[] {
  return Object.keys(env)
    .filter(
      (name) =>
        name.startsWith(ENV_PREFIX) &&
        name !== 'SWITCHBOARD_CONFIG' &&
        !keys.has(name) &&
        !(name in CONFIG_ENV_VARS),
    )
    .sort();
}
