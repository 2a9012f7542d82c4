/**
 * The command connection of one engine, shared by its broker, history store and presence store.
 * Each of them releases it on close; the last release closes the client.
 */
import type { RedisClient } from './client.js';
import { closeClient, reconnectOnTimeout, startHealthCheck } from './connections.js';
import { toEngineError } from './to-engine-error.js';

export class CommandConnection {
  private users: number;
  private readonly stopHealthCheck: () => void;

  constructor(
    readonly client: RedisClient,
    /** Whether Redis Cluster is used: sharded pub/sub, one slot per channel. */
    readonly cluster: boolean,
    private readonly commandTimeoutMs: number,
    healthCheckIntervalMs: number,
    users: number,
  ) {
    this.users = users;
    this.stopHealthCheck = startHealthCheck(client, healthCheckIntervalMs);
  }

  /** Whether the client is connected and ready for commands (not reconnecting, not closed). */
  connected(): boolean {
    return this.client.status === 'ready';
  }

  /** The error to reject a call with; a timed-out connection is also reconnected so later calls fail fast. */
  fail(error: unknown, action: string): unknown {
    reconnectOnTimeout(this.client, error);
    return toEngineError(error, action);
  }

  /** Publishes on the pub/sub of the mode: sharded in Redis Cluster. */
  publish(topic: string, message: string): Promise<unknown> {
    return this.cluster ? this.client.spublish(topic, message) : this.client.publish(topic, message);
  }

  /** Gives up one user's share; the last one closes the connection. */
  async release(): Promise<void> {
    this.users -= 1;
    if (this.users > 0) return;
    this.stopHealthCheck();
    await closeClient(this.client, this.commandTimeoutMs);
  }
}
