/**
 * The in-process user status store: the state lives in the `MemoryBus`'s user status table, so
 * every node on the bus sees every node's users (one node alone: the single-node default).
 */
import { EngineClosedError } from '../errors.js';
import type {
  ApplyOutcome,
  OnlineUsersPage,
  SweepOutcome,
  UserStatusEvent,
  UserStatusStore,
} from '../user-status.js';
import { requirePositive, requireWellFormed } from '../validate.js';
import { MemoryBus } from './memory-bus.js';

/** Options of a `MemoryUserStatusStore`. */
export interface MemoryUserStatusStoreOptions {
  /** The bus whose table is used; nodes of one cluster share it. Default: a new, private bus. */
  bus?: MemoryBus;
}

export class MemoryUserStatusStore implements UserStatusStore {
  readonly bus: MemoryBus;
  private closed = false;

  constructor(options: MemoryUserStatusStoreOptions = {}) {
    this.bus = options.bus ?? new MemoryBus();
    this.bus.attach();
  }

  private get table() {
    return this.bus.userStatus;
  }

  async apply(
    node: string,
    attach: readonly string[],
    detach: readonly string[],
    debounceMs: number,
    leaseTtlMs: number,
  ): Promise<ApplyOutcome> {
    this.assertOpen();
    requireWellFormed('node', node);
    for (const user of attach) requireWellFormed('user id', user);
    for (const user of detach) requireWellFormed('user id', user);
    requirePositive('lease ttl', leaseTtlMs);
    return this.table.apply(node, attach, detach, Math.max(0, debounceMs), leaseTtlMs, this.bus.now());
  }

  async renew(node: string, leaseTtlMs: number): Promise<boolean> {
    this.assertOpen();
    requirePositive('lease ttl', leaseTtlMs);
    return this.table.renew(node, leaseTtlMs, this.bus.now());
  }

  async members(node: string): Promise<string[]> {
    this.assertOpen();
    return this.table.members(node);
  }

  async leave(node: string, debounceMs: number): Promise<boolean> {
    this.assertOpen();
    return this.table.leave(node, Math.max(0, debounceMs), this.bus.now());
  }

  async sweep(node: string, debounceMs: number, leaseTtlMs: number): Promise<SweepOutcome> {
    this.assertOpen();
    return this.table.sweep(node, Math.max(0, debounceMs), leaseTtlMs, this.bus.now());
  }

  async lock(owner: string, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    requirePositive('lock ttl', ttlMs);
    return this.table.lock(owner, ttlMs, this.bus.now());
  }

  async unlock(owner: string): Promise<void> {
    this.assertOpen();
    this.table.unlock(owner);
  }

  async cursor(): Promise<string> {
    this.assertOpen();
    return this.table.cursor;
  }

  async events(after: string, limit: number): Promise<UserStatusEvent[]> {
    this.assertOpen();
    return this.table.events(after, limit);
  }

  async advance(owner: string, from: string, to: string): Promise<boolean> {
    this.assertOpen();
    return this.table.advance(owner, from, to, this.bus.now());
  }

  async pending(): Promise<number> {
    this.assertOpen();
    return this.table.pending;
  }

  async online(cursor: string, limit: number): Promise<OnlineUsersPage> {
    this.assertOpen();
    return this.table.online(cursor, limit);
  }

  /** Closing twice is a no-op. The state stays on the bus, like a dead node's in Redis. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.bus.detach();
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineClosedError('memory user status store');
  }
}
