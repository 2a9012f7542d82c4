/**
 * Resolves the engine's `engine.redis` config into the settings of one mode, once, rejecting bad
 * combinations with an error that names the key to fix.
 */
import type { EngineConfig } from '../../config/types.js';
import { EngineArgumentError } from '../errors.js';

/** How the engine reaches Redis. */
export type RedisMode = 'standalone' | 'cluster' | 'sentinel';

export interface HostPort {
  host: string;
  port: number;
}

export interface RedisSettings {
  mode: RedisMode;
  /** Standalone URL. */
  url: string;
  /** Cluster seed nodes or sentinels. */
  nodes: HostPort[];
  sentinelMasterName: string;
  /** Credentials of the sentinels themselves (not of the master they point to). */
  sentinelUsername: string | undefined;
  sentinelPassword: string | undefined;
  password: string | undefined;
  prefix: string;
  commandTimeoutMs: number;
  /** How often idle connections are probed with PING, ms. */
  healthCheckIntervalMs: number;
}

/** Default probe interval of idle connections. */
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 1000;

/** The mode the config asks for: a set cluster or sentinel address wins over the standalone one. */
export function modeOf(config: EngineConfig['redis']): RedisMode {
  const cluster = config.cluster_address.length > 0;
  const sentinel = config.sentinel_address.length > 0;
  if (cluster && sentinel) {
    throw new EngineArgumentError(
      'engine.redis.cluster_address and engine.redis.sentinel_address are both set; set only one of them',
    );
  }
  if (cluster) return 'cluster';
  if (sentinel) return 'sentinel';
  return 'standalone';
}

export function resolveSettings(
  config: EngineConfig['redis'],
  mode: RedisMode = modeOf(config),
  healthCheckIntervalMs = DEFAULT_HEALTH_CHECK_INTERVAL_MS,
): RedisSettings {
  if (!(config.command_timeout > 0)) {
    throw new EngineArgumentError(
      `engine.redis.command_timeout must be above 0 ms, got ${String(config.command_timeout)}`,
    );
  }
  if (!(healthCheckIntervalMs > 0)) {
    throw new EngineArgumentError(
      `healthCheckIntervalMs must be above 0, got ${String(healthCheckIntervalMs)}`,
    );
  }
  const settings: RedisSettings = {
    mode,
    url: config.address,
    nodes: [],
    sentinelMasterName: config.sentinel_master_name,
    sentinelUsername: config.sentinel_user === '' ? undefined : config.sentinel_user,
    sentinelPassword: config.sentinel_password === '' ? undefined : config.sentinel_password,
    password: config.password === '' ? undefined : config.password,
    prefix: config.prefix,
    commandTimeoutMs: config.command_timeout,
    healthCheckIntervalMs,
  };
  switch (mode) {
    case 'standalone':
      if (config.address === '') {
        throw new EngineArgumentError(
          'engine.redis.address is empty; set it (redis://host:port), or cluster_address / sentinel_address',
        );
      }
      return settings;
    case 'cluster':
      settings.nodes = config.cluster_address.map((a) => parseHostPort(a, 'engine.redis.cluster_address'));
      if (settings.nodes.length === 0) throw new EngineArgumentError('engine.redis.cluster_address is empty');
      return settings;
    case 'sentinel':
      settings.nodes = config.sentinel_address.map((a) => parseHostPort(a, 'engine.redis.sentinel_address'));
      if (settings.nodes.length === 0)
        throw new EngineArgumentError('engine.redis.sentinel_address is empty');
      if (config.sentinel_master_name === '') {
        throw new EngineArgumentError(
          'engine.redis.sentinel_master_name is empty; set the name the sentinels watch',
        );
      }
      return settings;
  }
}

/** Parses `host:port` (IPv6 hosts in brackets). */
export function parseHostPort(address: string, key: string): HostPort {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || !(port > 0 && port < 65536)) {
    throw new EngineArgumentError(`${key} entry ${JSON.stringify(address)} is not host:port`);
  }
  return { host: match[1]!, port };
}
