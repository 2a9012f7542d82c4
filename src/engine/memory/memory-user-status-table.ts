/**
 * The user status state of an in-process cluster, held by its `MemoryBus`: the same records and
 * steps as the Redis scripts (`../redis/user-status-scripts.ts`), as plain maps. `now` is the bus
 * clock (leases, debounces); event times are wall-clock ms.
 */
import type { ApplyOutcome, OnlineUsersPage, SweepOutcome, UserStatusEvent } from '../user-status.js';

/** Users detached per step of a sweep or a leave, as in Redis. */
const BATCH = 200;

export class MemoryUserStatusTable {
  /** Users of each node. */
  private readonly nodeUsers = new Map<string, Set<string>>();
  /** User → number of nodes holding them. */
  private readonly counts = new Map<string, number>();
  private readonly versions = new Map<string, number>();
  /** User → when their offline event is due (bus clock). */
  private readonly due = new Map<string, number>();
  /** User → wall-clock ms and node of their last detach. */
  private readonly left = new Map<string, { at: number; node: string }>();
  /** Node → lease expiry (bus clock). */
  private readonly leases = new Map<string, number>();
  private readonly log: UserStatusEvent[] = [];
  private seq = 0;
  private swept = 0;
  private lockOwner = '';
  private lockUntil = 0;
  cursor = '';

  apply(
    node: string,
    attach: readonly string[],
    detach: readonly string[],
    debounceMs: number,
    ttlMs: number,
    now: number,
  ): ApplyOutcome {
    const lost = this.renew(node, ttlMs, now);
    const before = this.seq;
    for (const user of attach) this.attach(node, user);
    const set = this.nodeUsers.get(node);
    for (const user of detach) if (set?.delete(user) === true) this.release(node, user, debounceMs, now);
    return { lost, emitted: this.seq - before };
  }

  renew(node: string, ttlMs: number, now: number): boolean {
    const until = this.leases.get(node);
    this.leases.set(node, now + ttlMs);
    return until === undefined || until <= now;
  }

  members(node: string): string[] {
    return [...(this.nodeUsers.get(node) ?? [])];
  }

  leave(node: string, debounceMs: number, now: number): boolean {
    if (this.releaseBatch(node, debounceMs, now)) return true;
    this.leases.delete(node);
    return false;
  }

  sweep(node: string, debounceMs: number, ttlMs: number, now: number): SweepOutcome {
    const before = this.seq;
    const last = this.swept;
    this.swept = now;
    if (last > 0 && now - last > ttlMs) {
      // Nobody swept for a lease: nobody could renew either (see the Redis sweep script).
      for (const [held, until] of this.leases) this.leases.set(held, Math.max(until, now + ttlMs));
      return { more: true, emitted: 0 };
    }
    let more = false;
    for (const [gone, until] of this.leases) {
      if (until >= now) continue;
      if (!this.releaseBatch(gone, debounceMs, now)) this.leases.delete(gone);
      more = true;
      break;
    }
    let done = 0;
    for (const [user, at] of this.due) {
      if (at > now) continue;
      if (done++ === BATCH) return { more: true, emitted: this.seq - before };
      this.due.delete(user);
      if (this.counts.has(user)) continue;
      const left = this.left.get(user);
      this.left.delete(user);
      this.emit('offline', user, left?.at ?? Date.now(), left?.node ?? node);
    }
    return { more, emitted: this.seq - before };
  }

  lock(owner: string, ttlMs: number, now: number): boolean {
    if (this.lockOwner !== owner && this.lockOwner !== '' && this.lockUntil > now) return false;
    this.lockOwner = owner;
    this.lockUntil = now + ttlMs;
    return true;
  }

  unlock(owner: string): void {
    if (this.lockOwner === owner) this.lockOwner = '';
  }

  events(after: string, limit: number): UserStatusEvent[] {
    const start = after === '' ? 0 : this.log.findIndex((e) => compareIds(e.id, after) > 0);
    return start < 0 ? [] : this.log.slice(start, start + limit).map((e) => ({ ...e }));
  }

  advance(owner: string, from: string, to: string, now: number): boolean {
    if (this.lockOwner !== owner || this.lockUntil <= now || this.cursor !== from) return false;
    this.cursor = to;
    const index = this.log.findIndex((e) => e.id === to);
    if (index >= 0) this.log.splice(index, 1);
    return true;
  }

  get pending(): number {
    return this.log.length;
  }

  /** Users with a node, then those within the debounce; the cursor is an index into that order. */
  online(cursor: string, limit: number): OnlineUsersPage {
    const all = [...this.counts.keys(), ...this.due.keys()];
    const from = cursor === '' ? 0 : Number(cursor) || 0;
    const page = all.slice(from, from + limit);
    return {
      users: page.map((user) => ({ user, version: this.versions.get(user) ?? 0 })),
      cursor: from + limit < all.length ? String(from + limit) : '',
    };
  }

  private attach(node: string, user: string): void {
    let set = this.nodeUsers.get(node);
    if (set === undefined) {
      set = new Set();
      this.nodeUsers.set(node, set);
    }
    if (set.has(user)) return;
    set.add(user);
    const count = (this.counts.get(user) ?? 0) + 1;
    this.counts.set(user, count);
    if (count !== 1) return;
    if (this.due.delete(user)) {
      this.left.delete(user);
      return;
    }
    this.emit('online', user, Date.now(), node);
  }

  private release(node: string, user: string, debounceMs: number, now: number): void {
    const count = (this.counts.get(user) ?? 0) - 1;
    if (count > 0) {
      this.counts.set(user, count);
      return;
    }
    this.counts.delete(user);
    this.due.set(user, now + debounceMs);
    this.left.set(user, { at: Date.now(), node });
  }

  /** Detaches up to a batch of the node's users; true while some remain. */
  private releaseBatch(node: string, debounceMs: number, now: number): boolean {
    const set = this.nodeUsers.get(node);
    if (set === undefined) return false;
    let n = 0;
    for (const user of set) {
      if (n++ === BATCH) return true;
      set.delete(user);
      this.release(node, user, debounceMs, now);
    }
    this.nodeUsers.delete(node);
    return false;
  }

  private emit(type: UserStatusEvent['type'], user: string, timeMs: number, node: string): void {
    const version = (this.versions.get(user) ?? 0) + 1;
    this.versions.set(user, version);
    this.log.push({ id: `0-${++this.seq}`, type, user, version, timeMs, node });
  }
}

function compareIds(a: string, b: string): number {
  const x = BigInt(a.slice(a.indexOf('-') + 1));
  const y = BigInt(b.slice(b.indexOf('-') + 1));
  return x < y ? -1 : x > y ? 1 : 0;
}
