/**
 * A connection's subscriptions by channel. Most connections hold a few (a personal channel and one
 * or two more): those sit in an array of exactly their number, found by a scan, where a Map would
 * cost ~180 bytes. Past `SCAN_LIMIT` they move to a Map. The array is replaced on every change,
 * never changed in place, so walking `values()` while subscriptions come and go is safe; it is
 * built with `concat`, `slice` and `map`, which size it exactly (a spread or a push reserves 17+ slots).
 */
import type { ClientSubscription } from './client-subscription.js';

/** Subscriptions held in the array before the table switches to a Map. */
const SCAN_LIMIT = 8;
const NONE: readonly ClientSubscription[] = [];

export class SubscriptionTable {
  private held: readonly ClientSubscription[] | Map<string, ClientSubscription> = NONE;

  get size(): number {
    const held = this.held;
    return held instanceof Map ? held.size : held.length;
  }

  get(channel: string): ClientSubscription | undefined {
    const held = this.held;
    if (held instanceof Map) return held.get(channel);
    for (let i = 0; i < held.length; i++) if (held[i]!.channel === channel) return held[i];
    return undefined;
  }

  has(channel: string): boolean {
    return this.get(channel) !== undefined;
  }

  /** Adds the subscription under its channel, in place of any earlier one (which keeps its turn in the order). */
  set(sub: ClientSubscription): void {
    const held = this.held;
    if (held instanceof Map) {
      held.set(sub.channel, sub);
      return;
    }
    const at = held.findIndex((s) => s.channel === sub.channel);
    if (at !== -1) {
      this.held = held.map((s, i) => (i === at ? sub : s));
    } else if (held.length < SCAN_LIMIT) {
      this.held = held.concat([sub]);
    } else {
      this.held = new Map([...held, sub].map((s) => [s.channel, s]));
    }
  }

  delete(channel: string): boolean {
    const held = this.held;
    if (held instanceof Map) return held.delete(channel);
    const at = held.findIndex((s) => s.channel === channel);
    if (at === -1) return false;
    this.held = held.length === 1 ? NONE : held.slice(0, at).concat(held.slice(at + 1));
    return true;
  }

  /** Subscriptions in the order they were added. */
  values(): Iterable<ClientSubscription> {
    const held = this.held;
    return held instanceof Map ? held.values() : held;
  }

  channels(): string[] {
    const held = this.held;
    return held instanceof Map ? [...held.keys()] : held.map((s) => s.channel);
  }
}
