/**
 * The in-process presence store: entries live in the `MemoryBus`'s presence table, so every node
 * on the bus sees every node's clients.
 */
import type { ClientInfo } from '../../protocol/types.js';
import { EngineClosedError } from '../errors.js';
import type { PresenceStats, PresenceStore } from '../types.js';
import { requirePositive, requireWellFormed } from '../validate.js';
import { MemoryBus } from './memory-bus.js';

/** Options of a `MemoryPresenceStore`. */
export interface MemoryPresenceStoreOptions {
  /** The bus whose presence table is used; nodes of one cluster share it. Default: a new, private bus. */
  bus?: MemoryBus;
}

/**
 * A `PresenceStore` on a `MemoryBus`. Expired entries are never returned; the bus sweeps them (and
 * channels left empty) so memory stays bounded. Returned infos are the stored objects: do not change them.
 */
export class MemoryPresenceStore implements PresenceStore {
  /** The bus whose presence table this store uses. */
  readonly bus: MemoryBus;
  private closed = false;

  constructor(options: MemoryPresenceStoreOptions = {}) {
    this.bus = options.bus ?? new MemoryBus();
    this.bus.attach();
  }

  async add(channel: string, info: ClientInfo, ttlMs: number): Promise<void> {
    this.assertOpen();
    requireWellFormed('channel', channel);
    requireWellFormed('client id', info.client);
    requireWellFormed('user id', info.user);
    requirePositive('presence ttlMs', ttlMs);
    this.bus.presence.add(channel, info, ttlMs, this.bus.now());
  }

  async remove(channel: string, clientId: string): Promise<void> {
    this.assertOpen();
    requireWellFormed('channel', channel);
    requireWellFormed('client id', clientId);
    this.bus.presence.remove(channel, clientId);
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    this.assertOpen();
    requireWellFormed('channel', channel);
    return this.bus.presence.list(channel, this.bus.now());
  }

  async stats(channel: string): Promise<PresenceStats> {
    this.assertOpen();
    requireWellFormed('channel', channel);
    return this.bus.presence.stats(channel, this.bus.now());
  }

  /** Closing twice is a no-op. Entries stay on the bus until they expire, like a dead node's in Redis. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.bus.detach();
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineClosedError('memory presence store');
  }
}
