/**
 * Creates, waits for and closes the ioredis clients of each mode. Every client fails fast instead
 * of queueing: no offline queue, no retry of a command across reconnects, a command timeout — so
 * while Redis is unreachable each call rejects at once (or after `command_timeout` at worst) and
 * never hangs, while ioredis keeps reconnecting in the background with a short capped backoff.
 */
import { type ClusterOptions, Redis, Cluster as RedisCluster, type RedisOptions } from 'ioredis';
import { EngineUnavailableError } from '../errors.js';
import type { RedisClient } from './client.js';
import type { RedisSettings } from './settings.js';

/** What a client is for: commands (auto-pipelined) or the node's pub/sub subscription. */
export type ClientRole = 'command' | 'subscriber';

/** How often the cluster slot map is refreshed without being asked to by a MOVED. */
const SLOTS_REFRESH_INTERVAL_MS = 5000;
/** Delay before a cluster command is retried after a failover, CLUSTERDOWN or TRYAGAIN. */
const CLUSTER_RETRY_DELAY_MS = 100;

/** Reconnect delay after `attempt` failures: 50 ms more per attempt, at most 1 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * attempt, 1000);
}

/** Options of a single-server connection (standalone, a Sentinel-found master, a cluster shard's subscriber). */
export function serverOptions(settings: RedisSettings, role: ClientRole): RedisOptions {
  return {
    connectionName: role === 'command' ? `${settings.prefix}-command` : `${settings.prefix}-subscriber`,
    enableOfflineQueue: false,
    // Fail the commands in flight when the connection drops instead of resending them later: a
    // resent publish could be applied twice, and the caller should hear about the outage now.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: settings.commandTimeoutMs,
    retryStrategy: reconnectDelay,
    enableAutoPipelining: role === 'command',
    // The subscriber resubscribes itself on `ready`, so it knows when every channel is back.
    autoResubscribe: false,
  };
}

/** Creates a client for `role`; it starts connecting at once. Errors go to `onError`. */
export function createClient(
  settings: RedisSettings,
  role: ClientRole,
  onError: (error: unknown) => void,
): RedisClient {
  let client: RedisClient;
  switch (settings.mode) {
    case 'standalone':
      client = new Redis(settings.url, serverOptions(settings, role));
      break;
    case 'sentinel':
      client = new Redis({
        ...serverOptions(settings, role),
        sentinels: settings.nodes,
        name: settings.sentinelMasterName,
        password: settings.password,
        sentinelUsername: settings.sentinelUsername,
        sentinelPassword: settings.sentinelPassword,
        sentinelRetryStrategy: reconnectDelay,
        sentinelCommandTimeout: settings.commandTimeoutMs,
        // Watch the sentinels' +switch-master so a failover is followed at once, not on the next error.
        failoverDetector: true,
        // A connection left on a demoted master answers READONLY: reconnect (through the
        // sentinels, to the new master) without resending, as the caller already got the error.
        reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 1 : false),
      });
      break;
    case 'cluster': {
      if (role === 'subscriber') {
        throw new Error(
          'Redis Cluster has no subscriber client: the sharded subscriber connects to each master',
        );
      }
      const options: ClusterOptions = {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        clusterRetryStrategy: reconnectDelay,
        slotsRefreshTimeout: settings.commandTimeoutMs,
        // Notice topology changes (a promoted replica) even when no command hits a MOVED, so the
        // sharded subscriber follows its channels to their new masters.
        slotsRefreshInterval: SLOTS_REFRESH_INTERVAL_MS,
        // A command retried across MOVED/TRYAGAIN/CLUSTERDOWN/closed connections waits 100 ms per
        // retry: bound the retries so a call fails within about the command timeout.
        maxRedirections: Math.max(1, Math.floor(settings.commandTimeoutMs / CLUSTER_RETRY_DELAY_MS)),
        retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
        retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
        retryDelayOnTryAgain: CLUSTER_RETRY_DELAY_MS,
        // Node connections keep ioredis' lazy connect with a queue (the cluster-level queue is off,
        // which is what makes calls fail fast); the timeout bounds every command.
        redisOptions: {
          connectionName: `${settings.prefix}-${role}`,
          password: settings.password,
          commandTimeout: settings.commandTimeoutMs,
          connectTimeout: settings.commandTimeoutMs,
          maxRetriesPerRequest: 0,
          autoResendUnfulfilledCommands: false,
        },
      };
      client = new RedisCluster(settings.nodes, options);
      break;
    }
  }
  client.on('error', onError);
  return client;
}

/** Resolves once `client` is ready; rejects with `EngineUnavailableError` after `timeoutMs`. */
export function waitReady(client: RedisClient, timeoutMs: number, what: string): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: unknown;
    const onError = (error: unknown): void => {
      lastError = error;
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      reject(
        new EngineUnavailableError(
          `could not connect to Redis (${what}) within ${timeoutMs} ms${reason}; check engine.redis and that Redis runs`,
          { cause: lastError },
        ),
      );
    }, timeoutMs);
    client.on('ready', onReady);
    client.on('error', onError);
  });
}

/** Quits gracefully when connected (bounded by `timeoutMs`), then drops the connection for good. */
export async function closeClient(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.quit(),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
    } catch {
      // Closing anyway.
    } finally {
      clearTimeout(timer);
    }
  }
  client.disconnect();
}

/**
 * Probes a single-server connection with PING every `intervalMs`. A PING that times out means
 * the server stopped answering without closing the socket (paused, partitioned): the connection is
 * dropped and reconnected, so calls fail fast until the server answers again. Returns a stop function.
 */
export function startHealthCheck(client: RedisClient, intervalMs: number): () => void {
  if (client instanceof RedisCluster) return () => {};
  let probing = false;
  const timer = setInterval(() => {
    if (probing || client.status !== 'ready') return;
    probing = true;
    client.ping().then(
      () => {
        probing = false;
      },
      (error: unknown) => {
        probing = false;
        reconnectOnTimeout(client, error);
      },
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Drops and reconnects a single-server connection after a command timeout (see `startHealthCheck`).
 * The socket is destroyed rather than ended: `disconnect(true)` only half-closes it, and a server
 * that does not answer never completes the close, so ioredis would keep writing to it.
 */
export function reconnectOnTimeout(client: RedisClient, error: unknown): void {
  if (client instanceof RedisCluster) return;
  if (error instanceof Error && error.message === 'Command timed out' && client.status === 'ready') {
    client.stream.destroy();
  }
}
