/**
 * This node's part in cluster-wide user status (docs/user-events.md): it keeps which users have a
 * session here (`desired`, from the connection registry) and which ones the engine holds for this
 * node (`applied`), and reconciles the two in the background, one batch at a time, so the store
 * sees each user's arrivals and departures in order. A user who arrives and leaves before the
 * batch goes out costs nothing. A failed call (the engine unreachable) leaves its users to be
 * reconciled again after a capped backoff, so the engine ends up with the node's current users
 * whatever happened meanwhile.
 *
 * The node also renews its lease and sweeps (any node may: dead nodes' users, due offline
 * events). When a renewal finds the lease had run out (the node was cut off longer than the
 * lease, or Redis lost its data), the store may have dropped some of the node's users: the node
 * reads what the store holds and reconciles everything again. Anonymous users ("") are not tracked.
 */
import type { ApplyOutcome, UserStatusStore } from '../engine/user-status.js';
import type { Logger } from '../log.js';
import type { UserArrivals } from './connection-registry.js';

/** Options of a {@link UserPresence}. */
export interface UserPresenceOptions {
  /** This node's id (unique per process start). */
  node: string;
  store: UserStatusStore;
  log: Logger;
  /** How long after their last connection a user's offline event waits for a reconnect. */
  debounceMs: number;
  /** A node not heard of for this long is dead; renewed every third of it. */
  leaseTtlMs: number;
  /** How often this node sweeps. */
  sweepIntervalMs: number;
  /** Events this node recorded (its users' online events, the offline events its sweeps found due). */
  onEmitted?: (type: 'online' | 'offline', count: number) => void;
}

/** Users per `apply` call. */
const BATCH = 500;
/** First retry delay after a failed call; doubles up to `maxRetryMs`. */
const FIRST_RETRY_MS = 100;
/** Longest a graceful stop waits for the store to take the node's users off. */
const LEAVE_DEADLINE_MS = 3_000;
/** Sweep steps per tick at most: a mass disconnect is worked off over a few ticks. */
const SWEEP_STEPS = 50;

export class UserPresence implements UserArrivals {
  private readonly desired = new Set<string>();
  private readonly applied = new Set<string>();
  private readonly dirty = new Set<string>();
  private resync = false;
  private draining: Promise<void> | undefined;
  private stopped = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private readonly maxRetryMs: number;

  constructor(private readonly options: UserPresenceOptions) {
    this.maxRetryMs = Math.max(FIRST_RETRY_MS, Math.min(2_000, options.leaseTtlMs / 3));
  }

  /** Users with a session here, as this node knows them. */
  get localUsers(): number {
    return this.desired.size;
  }

  userArrived(user: string): void {
    if (user === '' || this.stopped) return;
    this.desired.add(user);
    this.mark(user);
  }

  userLeft(user: string): void {
    if (user === '' || this.stopped) return;
    this.desired.delete(user);
    this.mark(user);
  }

  /** Starts renewing the lease and sweeping; the first renewal reconciles whatever the store holds. */
  start(): void {
    // A new node id has no lease yet: the first one is taken before anything is applied.
    this.options.store.renew(this.options.node, this.options.leaseTtlMs).catch(() => {});
    this.resync = true;
    this.kick();
    const every = Math.max(50, Math.floor(this.options.leaseTtlMs / 3));
    this.leaseTimer = setInterval(() => void this.renew(), every);
    this.leaseTimer.unref();
    // Well within a lease: a gap of a whole lease between sweeps reads as an outage (see `sweep`).
    const sweepEvery = Math.min(this.options.sweepIntervalMs, every);
    this.sweepTimer = setInterval(() => void this.sweep(), sweepEvery);
    this.sweepTimer.unref();
  }

  /**
   * Graceful stop: no more renewals; once the current call settles, the node's users leave the
   * store (each with the debounce, so clients that reconnect elsewhere cause no event) and its
   * lease is dropped. If the store cannot be reached, the lease runs out instead.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.leaseTimer);
    clearInterval(this.sweepTimer);
    clearTimeout(this.retryTimer);
    await this.draining;
    const { store, node, debounceMs, log } = this.options;
    const deadline = Date.now() + LEAVE_DEADLINE_MS;
    try {
      while ((await store.leave(node, debounceMs)) && Date.now() < deadline) {}
    } catch (error) {
      log.warn({ err: error }, 'user status: could not leave; the node lease will run out instead');
    }
  }

  private mark(user: string): void {
    this.dirty.add(user);
    this.kick();
  }

  private kick(): void {
    if (this.draining !== undefined || this.retryTimer !== undefined || this.stopped) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && (this.resync || this.dirty.size > 0)) {
      try {
        if (this.resync) await this.reconcileAll();
        else await this.applyBatch();
        this.retryMs = FIRST_RETRY_MS;
      } catch (error) {
        this.options.log.debug({ err: error }, 'user status: engine call failed, retrying');
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, this.retryMs);
        this.retryTimer.unref();
        this.retryMs = Math.min(this.retryMs * 2, this.maxRetryMs);
        return;
      }
    }
  }

  /** Reads what the store holds for this node; every user held or wanted is reconciled again. */
  private async reconcileAll(): Promise<void> {
    const held = await this.options.store.members(this.options.node);
    this.resync = false;
    this.applied.clear();
    for (const user of held) {
      this.applied.add(user);
      this.dirty.add(user);
    }
    for (const user of this.desired) this.dirty.add(user);
  }

  private async applyBatch(): Promise<void> {
    const batch: string[] = [];
    for (const user of this.dirty) {
      batch.push(user);
      if (batch.length === BATCH) break;
    }
    const attach = batch.filter((u) => this.desired.has(u) && !this.applied.has(u));
    const detach = batch.filter((u) => !this.desired.has(u) && this.applied.has(u));
    // Taken out before the call: what changes while it runs is marked again and goes in a later batch.
    for (const user of batch) this.dirty.delete(user);
    if (attach.length === 0 && detach.length === 0) return;
    const { store, node, debounceMs, leaseTtlMs } = this.options;
    let outcome: ApplyOutcome;
    try {
      outcome = await store.apply(node, attach, detach, debounceMs, leaseTtlMs);
    } catch (error) {
      for (const user of batch) this.dirty.add(user);
      throw error;
    }
    for (const user of attach) this.applied.add(user);
    for (const user of detach) this.applied.delete(user);
    if (outcome.emitted > 0) this.options.onEmitted?.('online', outcome.emitted);
    if (outcome.lost) this.resync = true;
  }

  private async renew(): Promise<void> {
    try {
      if (await this.options.store.renew(this.options.node, this.options.leaseTtlMs)) {
        this.options.log.warn('user status: this node lease had run out; reconciling its users again');
        this.resync = true;
        this.kick();
      }
    } catch {
      // The engine is unreachable: the next renewal tries again.
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      const { store, node, debounceMs, onEmitted } = this.options;
      for (let step = 0; step < SWEEP_STEPS; step++) {
        const outcome = await store.sweep(node, debounceMs, this.options.leaseTtlMs);
        if (outcome.emitted > 0) onEmitted?.('offline', outcome.emitted);
        if (!outcome.more) break;
      }
    } catch {
      // The engine is unreachable: the next tick sweeps.
    } finally {
      this.sweeping = false;
    }
  }
}
