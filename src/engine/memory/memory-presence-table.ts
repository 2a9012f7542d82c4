/**
 * Presence entries held in process memory. One instance lives on a `MemoryBus` and is shared by the
 * presence stores of every node attached to it, so each node sees the clients of all nodes.
 */
import type { ClientInfo } from '../../protocol/types.js';
import type { PresenceStats } from '../types.js';

interface Entry {
  info: ClientInfo;
  expiresAt: number;
}

/** Presence by channel, then by client id. Empty channels are deleted so memory follows live entries. */
export class MemoryPresenceTable {
  private readonly channels = new Map<string, Map<string, Entry>>();

  /** Number of channels with entries in memory (expired but unswept ones included). */
  get size(): number {
    return this.channels.size;
  }

  /** Whether `channel` has entries in memory (expired but unswept ones included). */
  has(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** Adds or refreshes the entry of `info.client`; it expires `ttlMs` after `now`. */
  add(channel: string, info: ClientInfo, ttlMs: number, now: number): void {
    let entries = this.channels.get(channel);
    if (entries === undefined) {
      entries = new Map();
      this.channels.set(channel, entries);
    }
    const entry = entries.get(info.client);
    if (entry === undefined) {
      entries.set(info.client, { info, expiresAt: now + ttlMs });
    } else {
      entry.info = info;
      entry.expiresAt = now + ttlMs;
    }
  }

  remove(channel: string, clientId: string): void {
    const entries = this.channels.get(channel);
    if (entries === undefined) return;
    entries.delete(clientId);
    if (entries.size === 0) this.channels.delete(channel);
  }

  /** Live entries by client id; expired ones met on the way are deleted. */
  list(channel: string, now: number): Record<string, ClientInfo> {
    const entries = this.live(channel, now);
    if (entries === undefined) return {};
    const pairs: [string, ClientInfo][] = [];
    for (const [client, entry] of entries) pairs.push([client, entry.info]);
    // fromEntries defines own properties, so a client id such as "__proto__" stays a plain key.
    return Object.fromEntries(pairs);
  }

  stats(channel: string, now: number): PresenceStats {
    const entries = this.live(channel, now);
    if (entries === undefined) return { numClients: 0, numUsers: 0 };
    const users = new Set<string>();
    for (const entry of entries.values()) users.add(entry.info.user);
    return { numClients: entries.size, numUsers: users.size };
  }

  /** Deletes expired entries and the channels they leave empty. */
  sweep(now: number): void {
    for (const channel of this.channels.keys()) this.live(channel, now);
  }

  /** The channel's entries with expired ones deleted, or undefined when none is left. */
  private live(channel: string, now: number): Map<string, Entry> | undefined {
    const entries = this.channels.get(channel);
    if (entries === undefined) return undefined;
    for (const [client, entry] of entries) {
      if (entry.expiresAt <= now) entries.delete(client);
    }
    if (entries.size === 0) {
      this.channels.delete(channel);
      return undefined;
    }
    return entries;
  }
}
