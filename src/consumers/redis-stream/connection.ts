/**
 * The consumer's ioredis clients, from the section's Centrifugo-style connection keys. Every
 * client fails fast (no offline queue, no resend across reconnects) and reconnects forever with a
 * capped backoff, so a queue outage is never fatal: loops see rejected calls, wait and try again.
 * The `reader` client carries the blocking `XREADGROUP` of one stream, so its timeout is longer.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisStreamConsumerConfig } from '../../config/consumers/redis-stream.js';

/** How long one `XREADGROUP` blocks waiting for new entries. */
export const READ_BLOCK_MS = 2_000;

/** Reconnect delay after `attempt` failures: 100 ms more per attempt, at most 2 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * attempt, 2_000);
}

/** `host:port` → `redis://host:port`; URLs are kept. */
export function redisUrl(address: string): string {
  return /^rediss?:\/\//.test(address) ? address : `redis://${address}`;
}

/** The address without credentials, for logs and readiness. */
export function displayAddress(address: string): string {
  return redisUrl(address).replace(/\/\/[^@/]*@/, '//');
}

export function clientOptions(
  config: RedisStreamConsumerConfig,
  consumer: string,
  role: 'command' | 'reader',
): RedisOptions {
  const options: RedisOptions = {
    connectionName: config.client_name !== '' ? config.client_name : `switchboard-consumer-${consumer}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: config.connect_timeout,
    commandTimeout: role === 'reader' ? config.io_timeout + READ_BLOCK_MS : config.io_timeout,
    retryStrategy: reconnectDelay,
    // Off: ioredis' auto-pipelining drops the command name of `callBuffer` calls (XAUTOCLAIM …).
    enableAutoPipelining: false,
  };
  if (config.user !== '') options.username = config.user;
  if (config.password !== '') options.password = config.password;
  if (config.db !== 0) options.db = config.db;
  return options;
}

/** A client that starts connecting at once; `onError` hears its connection errors. */
export function createQueueClient(
  config: RedisStreamConsumerConfig,
  consumer: string,
  role: 'command' | 'reader',
  onError: (error: Error) => void,
): Redis {
  const client = new Redis(redisUrl(config.address[0] ?? ''), clientOptions(config, consumer, role));
  client.on('error', onError);
  return client;
}

/** Resolves once `client` is ready, or when `signal` aborts or `timeoutMs` passes (then false). */
export function whenReady(client: Redis, signal: AbortSignal, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      signal.removeEventListener('abort', onAbort);
      resolve(ready);
    };
    const onReady = (): void => done(true);
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(client.status === 'ready'), timeoutMs);
    client.once('ready', onReady);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
