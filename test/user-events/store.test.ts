/**
 * The user status store's contract on the memory engine, on a real redis-server and on a Redis
 * Cluster of three masters (every key under one hash tag: each script runs on one slot).
 */
import { after, before } from 'node:test';
import { createMemoryEngine } from '../../src/engine/memory/index.js';
import { createRedisEngine, type RedisEngine } from '../../src/engine/redis/index.js';
import {
  type RedisClusterHandle,
  type RedisServer,
  startRedis,
  startRedisCluster,
} from '../harness/index.js';
import { redisConfig, uniquePrefix } from '../harness/redis-engines.js';
import { type StoreFactory, userStatusConformance } from './store-suite.js';

function memoryFactory(): StoreFactory {
  const engines: { close(): Promise<void> }[] = [];
  return {
    async create() {
      const engine = createMemoryEngine();
      engines.push(engine);
      return engine.userStatus;
    },
    async cleanup() {
      await Promise.all(engines.splice(0).map((e) => e.close()));
    },
  };
}

let redis: RedisServer;
let cluster: RedisClusterHandle;
before(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startRedisCluster(3)]);
});
after(() => Promise.all([redis?.stop(), cluster?.stop()]));

function redisFactory(clustered: boolean): StoreFactory {
  const engines: RedisEngine[] = [];
  return {
    async create() {
      // A prefix per store: every test starts from an empty state.
      const engine = await createRedisEngine({
        config: clustered
          ? redisConfig({ cluster_address: cluster.addresses, prefix: uniquePrefix('users') })
          : redisConfig({ address: redis.url, prefix: uniquePrefix('users') }),
      });
      engines.push(engine);
      return engine.userStatus;
    },
    async cleanup() {
      await Promise.all(engines.splice(0).map((e) => e.close()));
    },
  };
}

userStatusConformance('memory', memoryFactory());
userStatusConformance('redis standalone', redisFactory(false));
userStatusConformance('redis cluster', redisFactory(true));
