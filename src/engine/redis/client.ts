/** The ioredis client of a mode: a `Redis` (standalone, Sentinel) or a `Cluster`. */
import type { Redis, Cluster as RedisCluster } from 'ioredis';

export type RedisClient = Redis | RedisCluster;
