/**
 * Who consumes a stream: one node at a time holds its lease, a key set (`SET … PX`, only if absent) to
 * the node's id and renewed while it consumes, so the group's entries of a stream are applied by one
 * consumer in id order. A lease lapses `visibility_timeout` after its holder's last renewal (a
 * killed node); its holder stops consuming once it could not renew for 60% of that, before anyone
 * else can take it over. Membership (a sorted set of node ids by heartbeat time, Redis' clock)
 * tells how many nodes run the consumer, so each holds its fair share of the streams.
 */
import type { Redis } from 'ioredis';

/** Takes the lease when free, or keeps it when already ours (a holder that lost touch and came back). */
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return redis.call('ZCARD', KEYS[1])`;

/** Keys of the consumer's coordination state, beside the streams. */
export function leaseKey(group: string, stream: string): string {
  return `switchboard:redis_stream:${group}:lease:${stream}`;
}
export function membersKey(group: string): string {
  return `switchboard:redis_stream:${group}:nodes`;
}

/** How often a held lease is renewed: this many times per `visibility_timeout`. */
export const RENEWALS_PER_LEASE = 5;
/**
 * A holder stops consuming once its last renewal is this share of the lease old (three renewals
 * missed), well before the lease lapses and another node may take the stream.
 */
export const FENCE_AFTER = 0.6;

export class StreamLease {
  /** When the last successful acquire or renewal was sent (ms, local clock); 0 while not held. */
  private renewedAt = 0;

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  /** Whether this node may still consume: held, and renewed within {@link FENCE_AFTER} of the lease. */
  valid(now = Date.now()): boolean {
    return this.renewedAt !== 0 && now - this.renewedAt < this.ttlMs * FENCE_AFTER;
  }

  /** Takes the lease if nobody else holds it. Rejects while Redis is unreachable. */
  async acquire(): Promise<boolean> {
    const sent = Date.now();
    const ok = (await this.client.eval(ACQUIRE, 1, this.key, this.owner, this.ttlMs)) === 1;
    if (ok) this.renewedAt = sent;
    return ok;
  }

  /**
   * Extends the lease: `held` while it is ours, `lost` once someone else has it or it lapsed,
   * `unknown` when Redis did not answer (the holder stops once `valid()` says so).
   */
  async renew(): Promise<'held' | 'lost' | 'unknown'> {
    const sent = Date.now();
    try {
      const renewed = await this.client.eval(RENEW, 1, this.key, this.owner, this.ttlMs);
      if (renewed === 1) {
        this.renewedAt = sent;
        return 'held';
      }
      this.renewedAt = 0;
      return 'lost';
    } catch {
      return 'unknown';
    }
  }

  /** Gives the lease up (only if still ours); best effort. */
  async release(): Promise<void> {
    this.renewedAt = 0;
    try {
      await this.client.eval(RELEASE, 1, this.key, this.owner);
    } catch {
      // It lapses by itself.
    }
  }
}

/** Records this node as running the consumer; answers how many nodes do (within `ttlMs`). */
export async function heartbeat(client: Redis, group: string, node: string, ttlMs: number): Promise<number> {
  const live = await client.eval(HEARTBEAT, 1, membersKey(group), node, ttlMs);
  return typeof live === 'number' && live > 0 ? live : 1;
}

/** Removes this node from the members at a graceful stop; best effort. */
export async function leave(client: Redis, group: string, node: string): Promise<void> {
  try {
    await client.zrem(membersKey(group), node);
  } catch {
    // Its heartbeat ages out.
  }
}
