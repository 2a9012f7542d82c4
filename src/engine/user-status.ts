/**
 * Cluster-wide user status: which users have a connection on some node, and the online/offline
 * transitions that follow, kept by the engine so every node sees one truth (see
 * docs/user-events.md). Each node tells the store which of its users arrived and left (`apply`)
 * and keeps a lease (`renew`); any node sweeps the leases of dead nodes and the offline debounces
 * that ran out (`sweep`). Transitions are appended to one event log, each with the next version of
 * its user; one node at a time (holding the dispatcher lock) reads the log in order and advances
 * a shared cursor past every event the backend acknowledged.
 *
 * A user counts as online from their first connection anywhere until `debounceMs` after their
 * last one left: a user who comes back within the debounce has no event at all. Times are the
 * engine's clock (Redis `TIME`), not the node's.
 */

/** One transition of a user, in the order the engine recorded it. */
export interface UserStatusEvent {
  /** Position in the log; ids increase (as Redis stream ids: `<ms>-<seq>`). */
  id: string;
  type: 'online' | 'offline';
  user: string;
  /** The user's version after this event: 1 for the first event ever, +1 per event. */
  version: number;
  /** When it happened (ms since the epoch): the first connection, or the last disconnect. */
  timeMs: number;
  /** The node whose connection made it happen (the dead node's id when its lease ran out). */
  node: string;
}

/** What `apply` did. */
export interface ApplyOutcome {
  /**
   * The node's lease was missing or had run out: a sweep may have removed some of the node's
   * users, so the node must compare its users with `members` again.
   */
  lost: boolean;
  /** Online events recorded. */
  emitted: number;
}

/** What a `sweep` step did. */
export interface SweepOutcome {
  /** Work is left for another step. */
  more: boolean;
  /** Offline events recorded. */
  emitted: number;
}

/** A page of the users online now. */
export interface OnlineUsersPage {
  /** Each user with the version of their last event (their online event, or a later one). */
  users: { user: string; version: number }[];
  /** Pass it back for the next page; '' when this was the last. */
  cursor: string;
}

export interface UserStatusStore {
  /**
   * Records that `attach` users now have a connection on `node` and `detach` users no longer do.
   * Idempotent per user (attaching twice counts once). Also creates or renews the node's lease
   * for `leaseTtlMs`.
   */
  apply(
    node: string,
    attach: readonly string[],
    detach: readonly string[],
    debounceMs: number,
    leaseTtlMs: number,
  ): Promise<ApplyOutcome>;
  /** Extends the node's lease to now + `leaseTtlMs`; resolves true when it was missing or had run out (see `ApplyOutcome.lost`). */
  renew(node: string, leaseTtlMs: number): Promise<boolean>;
  /** The users the store holds for `node`. */
  members(node: string): Promise<string[]>;
  /**
   * A graceful stop: detaches some of the node's users (each leaves with the debounce) and, once
   * none is left, drops its lease. Resolves true while users remain: call it again.
   */
  leave(node: string, debounceMs: number): Promise<boolean>;
  /**
   * One step of the sweep any node may run at any time, concurrently with others: users of nodes
   * whose lease ran out are detached; users whose debounce ran out with no connection back get
   * their offline event (from `node`'s hand). When no sweep ran for longer than `leaseTtlMs`
   * (the engine was unreachable, or every node was down), no node could renew its lease either:
   * the leases are extended instead of taken as run out.
   */
  sweep(node: string, debounceMs: number, leaseTtlMs: number): Promise<SweepOutcome>;
  /** Takes or renews the dispatcher lock for `owner` for `ttlMs`; resolves whether `owner` holds it. */
  lock(owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lock up when `owner` holds it. */
  unlock(owner: string): Promise<void>;
  /** Id of the last event delivered; '' before the first. */
  cursor(): Promise<string>;
  /** At most `limit` events after the event `after` ('' : from the first kept), oldest first. */
  events(after: string, limit: number): Promise<UserStatusEvent[]>;
  /**
   * Marks the event `to` delivered and forgets it: only while `owner` holds the lock and the
   * cursor is still `from` (compare and set). Resolves whether it did.
   */
  advance(owner: string, from: string, to: string): Promise<boolean>;
  /** Events recorded and not delivered yet. */
  pending(): Promise<number>;
  /** A page of at most about `limit` users online now (online, or offline within the debounce). */
  online(cursor: string, limit: number): Promise<OnlineUsersPage>;
  close(): Promise<void>;
}
