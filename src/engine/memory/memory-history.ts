/**
 * The in-process history store: reads the streams that `MemoryBroker.publish` appends to on the
 * same `MemoryBus`.
 */

import { EngineClosedError } from '../errors.js';
import type { HistoryPage, HistoryQuery, HistoryStore } from '../types.js';
import { requireHistoryQuery, requirePositive, requireWellFormed } from '../validate.js';
import { MemoryBus } from './memory-bus.js';

/** Options of a `MemoryHistoryStore`. */
export interface MemoryHistoryStoreOptions {
  /** The bus whose streams are read; pass the broker's bus. Default: a new, private bus. */
  bus?: MemoryBus;
}

/**
 * A `HistoryStore` on a `MemoryBus`. Returned publications are the stored objects (no copy per
 * read): callers must not change them. Reads store nothing (see `MemoryStreams.read`).
 */
export class MemoryHistoryStore implements HistoryStore {
  /** The bus whose streams this store reads. */
  readonly bus: MemoryBus;
  private closed = false;

  constructor(options: MemoryHistoryStoreOptions = {}) {
    this.bus = options.bus ?? new MemoryBus();
    this.bus.attach();
  }

  async history(channel: string, query: HistoryQuery, metaTtlMs: number): Promise<HistoryPage> {
    this.assertOpen();
    requireWellFormed('channel', channel);
    requireHistoryQuery(query);
    requirePositive('metaTtlMs', metaTtlMs);
    return this.bus.streams.read(channel, query, metaTtlMs, this.bus.now());
  }

  async remove(channel: string): Promise<void> {
    this.assertOpen();
    requireWellFormed('channel', channel);
    this.bus.streams.clear(channel);
  }

  /** Closing twice is a no-op. The streams stay on the bus for the other nodes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.bus.detach();
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineClosedError('memory history store');
  }
}
