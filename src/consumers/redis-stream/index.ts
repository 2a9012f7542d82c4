/**
 * The `redis_stream` consumer type: entries of Redis streams, read through a consumer group, each
 * stream consumed by one node at a time in id order (see consumer.ts and stream-worker.ts).
 */
import type { ConsumerFactory } from '../consumer.js';
import { RedisStreamConsumer } from './consumer.js';

export const createRedisStreamConsumer: ConsumerFactory = (ctx) => new RedisStreamConsumer(ctx);
