/**
 * Limits password guesses at the admin login. Two token buckets must both have an attempt left: one
 * per client address (5 attempts, then one more every 12 s) and one for the whole node (30, then
 * one a second), so a single address gets about 5 guesses a minute and any number of addresses
 * together about one a second. A lockout is never longer than one refill interval and hammering on
 * does not extend it (a refused attempt takes nothing), so an attacker cannot keep the real admin
 * out once they stop, nor at all from another address unless they spread over many. A correct
 * password clears its address and gives its global attempt back. Memory is bounded: at most
 * `maxAddresses` entries, the least recently used evicted first, and full buckets are forgotten.
 */

/** Limits of a {@link LoginThrottle}; the defaults are documented in docs/admin.md. */
export interface LoginThrottleOptions {
  /** Attempts an address may make at once. Default 5. */
  perAddressBurst?: number;
  /** An address gets one more attempt every this many ms. Default 12 000. */
  perAddressRefillMs?: number;
  /** Attempts all addresses together may make at once. Default 30. */
  globalBurst?: number;
  /** All addresses together get one more attempt every this many ms. Default 1 000. */
  globalRefillMs?: number;
  /** Most addresses remembered. Default 10 000. */
  maxAddresses?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/** The outcome of {@link LoginThrottle.attempt}. */
export type LoginAttempt =
  | { allowed: true }
  | {
      allowed: false;
      /** Which bucket is empty. */
      scope: 'address' | 'global';
      /** When the next attempt will be allowed. */
      retryAfterMs: number;
      /** True for the first refusal since attempts were last allowed (log it once, not per request). */
      first: boolean;
    };

interface Bucket {
  tokens: number;
  at: number;
  refused: boolean;
}

/** How many entries one attempt looks at when forgetting full buckets: constant work per request. */
const SWEEP = 2;

/** Per-address and global token buckets for login attempts. */
export class LoginThrottle {
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #globalBurst: number;
  readonly #globalRefillMs: number;
  readonly #max: number;
  readonly #now: () => number;
  /** In least recently used order: an entry is re-inserted on every attempt it allows. */
  readonly #addresses = new Map<string, Bucket>();
  readonly #global: Bucket;

  constructor(options: LoginThrottleOptions = {}) {
    this.#burst = options.perAddressBurst ?? 5;
    this.#refillMs = options.perAddressRefillMs ?? 12_000;
    this.#globalBurst = options.globalBurst ?? 30;
    this.#globalRefillMs = options.globalRefillMs ?? 1000;
    this.#max = options.maxAddresses ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#global = { tokens: this.#globalBurst, at: this.#now(), refused: false };
  }

  /** Addresses remembered. */
  get size(): number {
    return this.#addresses.size;
  }

  /**
   * Takes an attempt for `key` (see {@link throttleKey}) from both buckets, or refuses it. Call it
   * before the password is read: a refused attempt must not be checked, or the answer would tell.
   */
  attempt(key: string): LoginAttempt {
    const now = this.#now();
    this.#sweep(now);
    const bucket = this.#addresses.get(key) ?? { tokens: this.#burst, at: now, refused: false };
    refill(bucket, now, this.#burst, this.#refillMs);
    if (bucket.tokens < 1) return this.#refuse(bucket, 'address', this.#refillMs);
    refill(this.#global, now, this.#globalBurst, this.#globalRefillMs);
    if (this.#global.tokens < 1) return this.#refuse(this.#global, 'global', this.#globalRefillMs);
    bucket.tokens -= 1;
    bucket.refused = false;
    this.#global.tokens -= 1;
    this.#global.refused = false;
    this.#addresses.delete(key);
    this.#addresses.set(key, bucket);
    if (this.#addresses.size > this.#max) this.#addresses.delete(this.#addresses.keys().next().value!);
    return { allowed: true };
  }

  /** The password was right: forget the address's failures and give the global attempt back. */
  succeeded(key: string): void {
    this.#addresses.delete(key);
    this.#global.tokens = Math.min(this.#globalBurst, this.#global.tokens + 1);
  }

  #refuse(bucket: Bucket, scope: 'address' | 'global', refillMs: number): LoginAttempt {
    const first = !bucket.refused;
    bucket.refused = true;
    return { allowed: false, scope, retryAfterMs: Math.ceil((1 - bucket.tokens) * refillMs), first };
  }

  /** Forgets the oldest entries whose bucket has refilled: they would behave as new ones anyway. */
  #sweep(now: number): void {
    let looked = 0;
    for (const [key, bucket] of this.#addresses) {
      if (looked++ >= SWEEP) break;
      if (bucket.tokens + (now - bucket.at) / this.#refillMs >= this.#burst) this.#addresses.delete(key);
    }
  }
}

function refill(bucket: Bucket, now: number, burst: number, refillMs: number): void {
  bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, now - bucket.at) / refillMs);
  bucket.at = now;
}

/**
 * The address a login attempt is counted against: IPv4 as it is (IPv4-mapped IPv6 read as IPv4),
 * IPv6 by its /64 prefix, since one host commonly holds a whole /64 and could otherwise take a new
 * address per guess.
 */
export function throttleKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined || remoteAddress === '') return 'unknown';
  const address = remoteAddress.split('%')[0]!.toLowerCase();
  if (!address.includes(':')) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped !== null) return mapped[1]!;
  const [head = '', tail = ''] = address.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = address.includes('::')
    ? [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back]
    : front;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
