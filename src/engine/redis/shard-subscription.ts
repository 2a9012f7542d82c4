/**
 * One master's share of the node's sharded subscription in Redis Cluster: a dedicated connection
 * that SSUBSCRIBEs the topics whose slots that master owns. Like the standalone subscriber it
 * fails fast, is probed with PING, and after a reconnect subscribes its topics again and reports it.
 */
import { Redis } from 'ioredis';
import {
  closeClient,
  reconnectOnTimeout,
  serverOptions,
  startHealthCheck,
  waitReady,
} from './connections.js';
import type { HostPort, RedisSettings } from './settings.js';

/** What a shard reports to the sharded subscriber. */
export interface ShardEvents {
  message(topic: string, message: string): void;
  /** The shard's connection came back and its topics are subscribed again. */
  resubscribed(): void;
  error(error: unknown): void;
}

export class ShardSubscription {
  /** Subscribed topics by slot: SSUBSCRIBE takes the channels of one slot per command. */
  readonly slots = new Map<number, Set<string>>();
  private readonly client: Redis;
  private readonly stopHealthCheck: () => void;
  private generation = 0;
  private closed = false;

  /** Whether the shard's connection is up (a closed shard has no say). */
  connected(): boolean {
    return this.closed || this.client.status === 'ready';
  }

  constructor(
    /** `host:port` of the master, as in the cluster slot map. */
    readonly key: string,
    address: HostPort,
    private readonly settings: RedisSettings,
    private readonly events: ShardEvents,
  ) {
    this.client = new Redis({
      ...serverOptions(settings, 'subscriber'),
      host: address.host,
      port: address.port,
      password: settings.password,
    });
    this.client.on('error', (error: unknown) => events.error(error));
    this.client.on('smessage', (topic: string, message: string) => events.message(topic, message));
    let connected = false;
    this.client.on('ready', () => {
      // The first ready is the initial connection; every later one is a reconnect.
      if (connected) void this.resubscribe();
      connected = true;
    });
    this.stopHealthCheck = startHealthCheck(this.client, settings.healthCheckIntervalMs);
  }

  /** Number of topics held. */
  get size(): number {
    let size = 0;
    for (const topics of this.slots.values()) size += topics.size;
    return size;
  }

  /** Subscribes topics of the given slots; on failure they are forgotten again. */
  async subscribe(bySlot: ReadonlyMap<number, readonly string[]>): Promise<void> {
    for (const [slot, topics] of bySlot) {
      let held = this.slots.get(slot);
      if (held === undefined) {
        held = new Set();
        this.slots.set(slot, held);
      }
      for (const topic of topics) held.add(topic);
    }
    try {
      // A new shard's connection is still being made: wait for it, bounded by the command timeout.
      if (this.client.status === 'connecting' || this.client.status === 'connect') {
        await waitReady(this.client, this.settings.commandTimeoutMs, `cluster shard ${this.key}`);
      }
      await Promise.all([...bySlot.values()].map((topics) => this.client.ssubscribe(...topics)));
    } catch (error) {
      this.forget(bySlot);
      reconnectOnTimeout(this.client, error);
      throw error;
    }
  }

  /** Unsubscribes topics of the given slots; they are forgotten even if the command fails. */
  async unsubscribe(bySlot: ReadonlyMap<number, readonly string[]>): Promise<void> {
    this.forget(bySlot);
    if (this.client.status !== 'ready') return;
    try {
      await Promise.all([...bySlot.values()].map((topics) => this.client.sunsubscribe(...topics)));
    } catch (error) {
      reconnectOnTimeout(this.client, error);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopHealthCheck();
    await closeClient(this.client, this.settings.commandTimeoutMs);
  }

  private forget(bySlot: ReadonlyMap<number, readonly string[]>): void {
    for (const [slot, topics] of bySlot) {
      const held = this.slots.get(slot);
      if (held === undefined) continue;
      for (const topic of topics) held.delete(topic);
      if (held.size === 0) this.slots.delete(slot);
    }
  }

  private async resubscribe(): Promise<void> {
    if (this.closed) return;
    const generation = ++this.generation;
    try {
      await Promise.all([...this.slots.values()].map((topics) => this.client.ssubscribe(...topics)));
    } catch (error) {
      // The connection dropped again; its next `ready` retries.
      this.events.error(error);
      return;
    }
    if (generation === this.generation && !this.closed) this.events.resubscribed();
  }
}
