/**
 * The `redis_stream` section of a `consumers` entry (Centrifugo v6 key names where it has the type).
 * PLACEHOLDER until the redis_stream consumer defines its keys here.
 */
import type { z } from 'zod';
import { section } from '../fields.js';

export const redisStreamSchema = section({});

export type RedisStreamConsumerConfig = z.output<typeof redisStreamSchema>;

/** Checks of an enabled consumer of this type; issues are added with paths inside the section. */
export function checkRedisStream(
  _section: RedisStreamConsumerConfig,
  _issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {}
