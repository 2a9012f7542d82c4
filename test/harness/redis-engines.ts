/**
 * Engine factories on real Redis servers for the conformance suites: every `create(count)` makes
 * `count` engines (nodes of one cluster) on the same Redis, under one prefix per factory.
 */
import { randomBytes } from 'node:crypto';
import type { EngineConfig } from '../../src/config/types.js';
import {
  createRedisEngine,
  type RedisEngine,
  type RedisEngineOptions,
} from '../../src/engine/redis/index.js';
import type { EngineFactory } from '../conformance/engine-factory.js';

/** The `engine.redis` config with the defaults of the config schema, then `overrides`. */
export function redisConfig(overrides: Partial<EngineConfig['redis']>): EngineConfig['redis'] {
  return {
    address: '',
    cluster_address: [],
    sentinel_address: [],
    sentinel_master_name: 'mymaster',
    sentinel_user: '',
    sentinel_password: '',
    password: '',
    prefix: 'switchboard',
    command_timeout: 2000,
    ...overrides,
  };
}

/** A prefix no other test file (nor an earlier run on a reused server) uses. */
export function uniquePrefix(label: string): string {
  return `sbtest-${label}-${randomBytes(4).toString('hex')}`;
}

/** An engine factory; `options()` is read on every create, so the address may change between tests. */
export function redisFactory(options: () => Omit<RedisEngineOptions, 'onHandlerError'>): EngineFactory & {
  created: RedisEngine[];
} {
  let engines: RedisEngine[] = [];
  return {
    get created() {
      return engines;
    },
    async create(count) {
      const created = await Promise.all(Array.from({ length: count }, () => createRedisEngine(options())));
      engines.push(...created);
      return created;
    },
    async cleanup() {
      const closing = engines;
      engines = [];
      await Promise.all(closing.map((e) => e.close()));
    },
  };
}
