/**
 * The Redis engine: nodes sharing one Redis (standalone, Sentinel-managed or Redis Cluster) form
 * one cluster. Each engine holds a command connection (shared by broker, history and presence;
 * auto-pipelined) and the node's pub/sub subscription: one connection, or in Redis Cluster one
 * per master that serves a subscribed channel.
 */
import type { Redis, Cluster as RedisCluster } from 'ioredis';
import type { EngineConfig } from '../../config/types.js';
import type { BrokerEvent, Engine } from '../types.js';
import { CommandConnection } from './command-connection.js';
import { closeClient, createClient, waitReady } from './connections.js';
import { KeySpace } from './keys.js';
import { PlainSubscriber } from './plain-subscriber.js';
import { RedisBroker } from './redis-broker.js';
import { RedisHistoryStore } from './redis-history.js';
import { RedisPresenceStore } from './redis-presence.js';
import { RedisUserStatusStore } from './redis-user-status.js';
import { type RedisMode, resolveSettings } from './settings.js';
import { ShardedSubscriber } from './sharded-subscriber.js';
import type { Subscriber } from './subscriber.js';

/** Options of `createRedisEngine`. */
export interface RedisEngineOptions {
  /** The `engine.redis` section of the config. */
  config: EngineConfig['redis'];
  /** Overrides the mode the config implies (cluster_address → cluster, sentinel_address → sentinel, else standalone). */
  mode?: RedisMode;
  /** How long to wait for the first connection, ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** How often idle connections are probed with PING, ms. Default 1 000. */
  healthCheckIntervalMs?: number;
  /** Connection errors (while ioredis reconnects) and malformed messages. Default: ignored. */
  onError?: (error: unknown) => void;
  /** Called when the broker's handler throws. Default: rethrown in a microtask, like the memory bus. */
  onHandlerError?: (error: unknown, event: BrokerEvent) => void;
}

/** One node's engine on Redis, with the concrete classes visible. */
export interface RedisEngine extends Engine {
  readonly mode: RedisMode;
  readonly broker: RedisBroker;
  readonly history: RedisHistoryStore;
  readonly presence: RedisPresenceStore;
  readonly userStatus: RedisUserStatusStore;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/**
 * Connects to Redis and creates a node's engine. Rejects with `EngineUnavailableError` when Redis
 * cannot be reached within `connectTimeoutMs`, and with `EngineArgumentError` on a bad config.
 */
export async function createRedisEngine(options: RedisEngineOptions): Promise<RedisEngine> {
  const settings = resolveSettings(options.config, options.mode, options.healthCheckIntervalMs);
  const cluster = settings.mode === 'cluster';
  const keys = new KeySpace(settings.prefix, { cluster });
  const onError = options.onError ?? (() => {});
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const commands = createClient(settings, 'command', onError);
  // In Redis Cluster the sharded subscriber connects to each master it needs by itself.
  const subscriberClient = cluster ? undefined : (createClient(settings, 'subscriber', onError) as Redis);
  try {
    await Promise.all([
      waitReady(commands, connectTimeoutMs, `${settings.mode} commands`),
      subscriberClient && waitReady(subscriberClient, connectTimeoutMs, `${settings.mode} subscriber`),
    ]);
  } catch (error) {
    await Promise.all([closeClient(commands, 0), subscriberClient && closeClient(subscriberClient, 0)]);
    throw error;
  }
  // Four users: the broker and the history, presence and user status stores each release it on close.
  const connection = new CommandConnection(
    commands,
    cluster,
    settings.commandTimeoutMs,
    settings.healthCheckIntervalMs,
    4,
  );
  const subscriber: Subscriber =
    subscriberClient === undefined
      ? new ShardedSubscriber(commands as RedisCluster, settings, keys.control, onError)
      : new PlainSubscriber(
          subscriberClient,
          keys.control,
          settings.commandTimeoutMs,
          settings.healthCheckIntervalMs,
          onError,
        );
  const broker = new RedisBroker({
    connection,
    subscriber,
    keys,
    onError,
    onHandlerError: options.onHandlerError ?? rethrowLater,
  });
  const history = new RedisHistoryStore(connection, keys);
  const presence = new RedisPresenceStore(connection, keys);
  const userStatus = new RedisUserStatusStore(connection, keys);
  return {
    mode: settings.mode,
    broker,
    history,
    presence,
    userStatus,
    reachable: () => connection.connected() && subscriber.connected(),
    async close(): Promise<void> {
      await Promise.all([broker.close(), history.close(), presence.close(), userStatus.close()]);
    },
  };
}
