/**
 * Keeps the broker subscribed to exactly the channels that have local subscribers. Changes are
 * batched: everything asked for during one event-loop turn goes to the broker as one subscribe and
 * one unsubscribe call, so a burst of clients costs a handful of round trips, not one each.
 */
import type { Broker } from '../engine/types.js';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class Interest {
  /** Channels the broker is subscribed to. */
  private readonly active = new Set<string>();
  /** Channels whose wanted state changed since the last batch. */
  private pending = new Set<string>();
  private readonly waiters = new Map<string, Waiter[]>();
  private running = false;

  constructor(
    private readonly broker: Broker,
    /** Whether the node has local subscribers for the channel now. */
    private readonly wanted: (channel: string) => boolean,
  ) {}

  /** Resolves once the broker delivers this channel to the node. */
  ensure(channel: string): Promise<void> {
    if (this.active.has(channel) && !this.pending.has(channel)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(channel);
      if (list === undefined) this.waiters.set(channel, [{ resolve, reject }]);
      else list.push({ resolve, reject });
      this.touch(channel);
    });
  }

  /** The channel's local subscriber set changed (for example, the last one left). */
  touch(channel: string): void {
    this.pending.add(channel);
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Set();
      const subscribe: string[] = [];
      const unsubscribe: string[] = [];
      for (const channel of batch) {
        const want = this.wanted(channel);
        if (want && !this.active.has(channel)) subscribe.push(channel);
        else if (!want && this.active.has(channel)) unsubscribe.push(channel);
      }
      try {
        if (unsubscribe.length > 0) {
          for (const channel of unsubscribe) this.active.delete(channel);
          await this.broker.unsubscribe(unsubscribe);
        }
        if (subscribe.length > 0) {
          await this.broker.subscribe(subscribe);
          for (const channel of subscribe) this.active.add(channel);
        }
        this.settle(batch, undefined);
      } catch (error) {
        this.settle(batch, error ?? new Error('broker subscribe failed'));
      }
    }
    this.running = false;
  }

  private settle(batch: Set<string>, error: unknown): void {
    for (const channel of batch) {
      // A channel touched again meanwhile is settled by the next batch.
      if (this.pending.has(channel)) continue;
      const list = this.waiters.get(channel);
      if (list === undefined) continue;
      this.waiters.delete(channel);
      for (const waiter of list) {
        if (error === undefined && this.active.has(channel)) waiter.resolve();
        else waiter.reject(error ?? new Error('channel has no local subscribers'));
      }
    }
  }
}
