/**
 * The subscriber of Redis Cluster: sharded pub/sub (SSUBSCRIBE), with one `ShardSubscription`
 * (one connection) per master that owns the slot of a subscribed topic. Topics are routed with
 * the command `Cluster`'s slot map; whenever ioredis refreshes that map (a MOVED, a failover, and
 * every few seconds) what the shards hold is compared with what the node wants, slot by slot:
 * topics whose slot changed master move to the new one and the node hears `resubscribed`; a move
 * that fails is retried at the next refresh.
 *
 * Written instead of ioredis' `shardedSubscribers` option, which while a master is down recreates
 * its subscriber in a loop, reporting "ready" every few milliseconds without saying whether the
 * channels are subscribed again — so `resubscribed` could not be told truthfully.
 */
import type { Cluster as RedisCluster } from 'ioredis';
import { EngineUnavailableError } from '../errors.js';
import { parseHostPort, type RedisSettings } from './settings.js';
import { type ShardEvents, ShardSubscription } from './shard-subscription.js';
import { hashSlot } from './slot.js';
import { Subscriber } from './subscriber.js';

type BySlot = Map<number, string[]>;

export class ShardedSubscriber extends Subscriber {
  /** Every topic the node wants, by slot (the control topic included). */
  private readonly wanted = new Map<number, Set<string>>();
  private readonly shards = new Map<string, ShardSubscription>();
  private readonly events: ShardEvents;
  /** Re-routing after a refresh runs one at a time. */
  private rerouting: Promise<void> = Promise.resolve();

  constructor(
    private readonly cluster: RedisCluster,
    private readonly settings: RedisSettings,
    control: string,
    onError: (error: unknown) => void,
  ) {
    super(control, onError);
    this.events = {
      message: (topic, message) => this.dispatch(topic, message),
      resubscribed: () => this.reportResubscribed(),
      error: onError,
    };
    cluster.on('refresh', () => {
      this.rerouting = this.rerouting.then(() => this.reroute());
    });
  }

  connected(): boolean {
    for (const shard of this.shards.values()) if (!shard.connected()) return false;
    return true;
  }

  protected async send(command: 'subscribe' | 'unsubscribe', topics: readonly string[]): Promise<unknown> {
    const bySlot: BySlot = new Map();
    for (const topic of topics) {
      const slot = hashSlot(topic);
      const group = bySlot.get(slot);
      if (group === undefined) bySlot.set(slot, [topic]);
      else group.push(topic);
    }
    if (command === 'unsubscribe') {
      this.change(bySlot, false);
      return Promise.all([...this.byOwner(bySlot, true)].map(([owner, slots]) => this.release(owner, slots)));
    }
    this.change(bySlot, true);
    try {
      const byOwner = this.byOwner(bySlot, false);
      await Promise.all([...byOwner].map(([owner, slots]) => this.shard(owner).subscribe(slots)));
    } catch (error) {
      this.change(bySlot, false);
      throw error;
    }
    return undefined;
  }

  protected failed(_error: unknown): void {
    // Each shard replaces its own timed-out connection.
  }

  protected async quit(): Promise<void> {
    const shards = [...this.shards.values()];
    this.shards.clear();
    this.wanted.clear();
    await Promise.all(shards.map((shard) => shard.close()));
  }

  /** Makes the shards hold exactly the wanted topics on their current owners. */
  private async reroute(): Promise<void> {
    if (this.closed) return;
    // Held on a master that no longer owns the slot (or not wanted any more): let go.
    for (const shard of [...this.shards.values()]) {
      const leaving: BySlot = new Map();
      for (const [slot, topics] of shard.slots) {
        if (this.ownerOf(slot) !== shard.key) leaving.set(slot, [...topics]);
      }
      if (leaving.size > 0) await this.release(shard.key, leaving).catch(() => {});
    }
    // Wanted but not held by the slot's owner: subscribe there.
    const missing = new Map<string, BySlot>();
    for (const [slot, topics] of this.wanted) {
      const owner = this.ownerOf(slot);
      if (owner === undefined) continue;
      const held = this.shards.get(owner)?.slots.get(slot);
      const absent = held === undefined ? [...topics] : [...topics].filter((t) => !held.has(t));
      if (absent.length === 0) continue;
      let slots = missing.get(owner);
      if (slots === undefined) {
        slots = new Map();
        missing.set(owner, slots);
      }
      slots.set(slot, absent);
    }
    if (missing.size === 0) return;
    try {
      await Promise.all([...missing].map(([owner, slots]) => this.shard(owner).subscribe(slots)));
    } catch (error) {
      // Still wanted: the next refresh tries again.
      this.onError(error);
      return;
    }
    this.reportResubscribed();
  }

  /** Groups slots by the master serving them; throws for an unserved slot unless `skipUnserved`. */
  private byOwner(bySlot: BySlot, skipUnserved: boolean): Map<string, BySlot> {
    const byOwner = new Map<string, BySlot>();
    for (const [slot, topics] of bySlot) {
      const owner = this.ownerOf(slot);
      if (owner === undefined) {
        if (skipUnserved) continue;
        throw new EngineUnavailableError(
          `no Redis Cluster master serves slot ${slot}; retry once the cluster is up`,
        );
      }
      let slots = byOwner.get(owner);
      if (slots === undefined) {
        slots = new Map();
        byOwner.set(owner, slots);
      }
      slots.set(slot, topics);
    }
    return byOwner;
  }

  /** Adds topics to (or removes them from) the wanted set. */
  private change(bySlot: BySlot, add: boolean): void {
    for (const [slot, topics] of bySlot) {
      let wanted = this.wanted.get(slot);
      if (wanted === undefined) {
        if (!add) continue;
        wanted = new Set();
        this.wanted.set(slot, wanted);
      }
      for (const topic of topics) {
        if (add) wanted.add(topic);
        else wanted.delete(topic);
      }
      if (wanted.size === 0) this.wanted.delete(slot);
    }
  }

  /** Unsubscribes topics from a shard, closing the shard once it holds nothing. */
  private async release(owner: string, slots: BySlot): Promise<void> {
    const shard = this.shards.get(owner);
    if (shard === undefined) return;
    try {
      await shard.unsubscribe(slots);
    } finally {
      if (shard.size === 0 && this.shards.get(owner) === shard) {
        this.shards.delete(owner);
        void shard.close();
      }
    }
  }

  private shard(owner: string): ShardSubscription {
    let shard = this.shards.get(owner);
    if (shard === undefined) {
      shard = new ShardSubscription(
        owner,
        parseHostPort(owner, 'cluster slot map'),
        this.settings,
        this.events,
      );
      this.shards.set(owner, shard);
    }
    return shard;
  }

  /** `host:port` of the master serving `slot`, from the command cluster's slot map. */
  private ownerOf(slot: number): string | undefined {
    return this.cluster.slots[slot]?.[0];
  }

  private reportResubscribed(): void {
    if (this.sink !== undefined && !this.closed) this.sink.resubscribed();
  }
}
