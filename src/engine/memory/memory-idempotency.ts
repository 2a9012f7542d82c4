/**
 * Results of idempotent publishes, kept until their ttl passes. One instance lives on a `MemoryBus`,
 * so a retry that reaches another node of the same bus is still recognised.
 */
import type { StreamPosition } from '../../protocol/types.js';

interface Seen {
  /** Position of the first publish, undefined when it had no history. */
  position: StreamPosition | undefined;
  expiresAt: number;
}

/** Idempotency keys by channel, then by key. Keys of different channels are independent. */
export class MemoryIdempotency {
  private readonly channels = new Map<string, Map<string, Seen>>();

  /** Number of channels with keys in memory (expired but unswept ones included). */
  get size(): number {
    return this.channels.size;
  }

  /** Whether `channel` has keys in memory (expired but unswept ones included). */
  has(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** The first publish's record when `key` was seen in `channel` and has not expired. */
  get(channel: string, key: string, now: number): { position: StreamPosition | undefined } | undefined {
    const seen = this.channels.get(channel)?.get(key);
    if (seen === undefined || seen.expiresAt <= now) return undefined;
    return seen;
  }

  /** Records the first publish's result; an expired record of the same key is replaced. */
  set(channel: string, key: string, position: StreamPosition | undefined, expiresAt: number): void {
    let keys = this.channels.get(channel);
    if (keys === undefined) {
      keys = new Map();
      this.channels.set(channel, keys);
    }
    keys.set(key, { position, expiresAt });
  }

  /** Forgets expired keys and the channels they leave empty, so memory stays bounded. */
  sweep(now: number): void {
    for (const [channel, keys] of this.channels) {
      for (const [key, seen] of keys) {
        if (seen.expiresAt <= now) keys.delete(key);
      }
      if (keys.size === 0) this.channels.delete(channel);
    }
  }
}
