/** The ioredis client of a mode: a `Redis` (standalone, Sentinel) or a `Cluster`. */
import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;
