/**
 * The Redis user status store: the scripts of `user-status-scripts.ts` over keys of one hash tag,
 * plus plain reads (the event stream, the cursor, scans of the online users).
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
import type { CommandConnection } from './command-connection.js';
import type { KeySpace } from './keys.js';
import type { LuaScript } from './lua-script.js';
import {
  userAdvanceScript,
  userApplyScript,
  userLeaveScript,
  userLockScript,
  userRenewScript,
  userSweepScript,
  userUnlockScript,
} from './user-status-scripts.js';

const COUNT = 0;
const VERSION = 1;
const DUE = 2;
const EVENTS = 4;
const CURSOR = 7;

/** The id right after `id` (`<ms>-<seq>`): XRANGE from it reads what follows `id`, on any Redis version. */
export function nextStreamId(id: string): string {
  const dash = id.indexOf('-');
  return `${id.slice(0, dash)}-${(BigInt(id.slice(dash + 1)) + 1n).toString()}`;
}

function flatFields(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

export class RedisUserStatusStore implements UserStatusStore {
  private closed = false;
  private readonly keys: readonly string[];
  private readonly nodeUsers: string;

  constructor(
    private readonly connection: CommandConnection,
    keySpace: KeySpace,
  ) {
    const names = keySpace.userStatus();
    this.keys = names.keys;
    this.nodeUsers = names.nodeUsers;
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
    const [lost, emitted] = (await this.run('applying user changes', userApplyScript, [
      node,
      Math.max(0, Math.round(debounceMs)),
      Math.round(leaseTtlMs),
      attach.length,
      ...attach,
      ...detach,
    ])) as [number, number];
    return { lost: lost === 1, emitted };
  }

  async renew(node: string, leaseTtlMs: number): Promise<boolean> {
    this.assertOpen();
    requireWellFormed('node', node);
    requirePositive('lease ttl', leaseTtlMs);
    return (await this.run('renewing a node lease', userRenewScript, [node, Math.round(leaseTtlMs)])) === 1;
  }

  async members(node: string): Promise<string[]> {
    this.assertOpen();
    requireWellFormed('node', node);
    return this.call('reading a node users', () => this.connection.client.smembers(this.nodeUsers + node));
  }

  async leave(node: string, debounceMs: number): Promise<boolean> {
    this.assertOpen();
    requireWellFormed('node', node);
    return (await this.run('leaving', userLeaveScript, [node, Math.max(0, Math.round(debounceMs))])) === 1;
  }

  async sweep(node: string, debounceMs: number, leaseTtlMs: number): Promise<SweepOutcome> {
    this.assertOpen();
    requirePositive('lease ttl', leaseTtlMs);
    const [more, emitted] = (await this.run('sweeping', userSweepScript, [
      node,
      Math.max(0, Math.round(debounceMs)),
      Math.round(leaseTtlMs),
    ])) as [number, number];
    return { more: more === 1, emitted };
  }

  async lock(owner: string, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    requirePositive('lock ttl', ttlMs);
    return (await this.run('taking the dispatcher lock', userLockScript, [owner, Math.round(ttlMs)])) === 1;
  }

  async unlock(owner: string): Promise<void> {
    this.assertOpen();
    await this.run('giving up the dispatcher lock', userUnlockScript, [owner]);
  }

  async cursor(): Promise<string> {
    this.assertOpen();
    return (
      (await this.call('reading the cursor', () => this.connection.client.get(this.keys[CURSOR]!))) ?? ''
    );
  }

  async events(after: string, limit: number): Promise<UserStatusEvent[]> {
    this.assertOpen();
    const start = after === '' ? '-' : nextStreamId(after);
    const entries = (await this.call('reading user events', () =>
      this.connection.client.xrange(this.keys[EVENTS]!, start, '+', 'COUNT', limit),
    )) as [string, string[]][];
    return entries.map(([id, flat]) => {
      const f = flatFields(flat);
      return {
        id,
        type: f['type'] === 'offline' ? 'offline' : 'online',
        user: f['user'] ?? '',
        version: Number(f['version']),
        timeMs: Number(f['time']),
        node: f['node'] ?? '',
      };
    });
  }

  async advance(owner: string, from: string, to: string): Promise<boolean> {
    this.assertOpen();
    return (await this.run('advancing the cursor', userAdvanceScript, [owner, from, to])) === 1;
  }

  async pending(): Promise<number> {
    this.assertOpen();
    return this.call('counting user events', () => this.connection.client.xlen(this.keys[EVENTS]!));
  }

  /**
   * Scans the users with a node (`c:<scan cursor>`), then those within the debounce (`d:<…>`).
   * As with any SCAN, a user online for the whole scan is listed at least once.
   */
  async online(cursor: string, limit: number): Promise<OnlineUsersPage> {
    this.assertOpen();
    const client = this.connection.client;
    let phase = cursor.startsWith('d:') ? 'd' : 'c';
    let scan = cursor.length > 2 ? cursor.slice(2) : '0';
    const users: string[] = [];
    while (users.length < limit) {
      if (phase === 'c') {
        const [next, flat] = await this.call('listing online users', () =>
          client.hscan(this.keys[COUNT]!, scan, 'COUNT', limit),
        );
        for (let i = 0; i < flat.length; i += 2) users.push(flat[i]!);
        scan = next;
        if (next === '0') phase = 'd';
      } else {
        const [next, flat] = await this.call('listing online users', () =>
          client.zscan(this.keys[DUE]!, scan, 'COUNT', limit),
        );
        for (let i = 0; i < flat.length; i += 2) users.push(flat[i]!);
        scan = next;
        if (next === '0') {
          phase = '';
          break;
        }
      }
    }
    const versions =
      users.length === 0
        ? []
        : await this.call('reading user versions', () => client.hmget(this.keys[VERSION]!, ...users));
    return {
      users: users.map((user, i) => ({ user, version: Number(versions[i] ?? 0) })),
      cursor: phase === '' ? '' : `${phase}:${scan}`,
    };
  }

  /** Closing twice is a no-op. The state stays in Redis: the node's lease runs out like a dead node's. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.release();
  }

  private run(action: string, script: LuaScript, args: (string | number)[]): Promise<unknown> {
    return this.call(action, () => script.run(this.connection.client, this.keys, [this.nodeUsers, ...args]));
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.connection.fail(error, `${action} (user status)`);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineClosedError('redis user status store');
  }
}
