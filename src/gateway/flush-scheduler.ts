/**
 * Batches writes: connections that queued frames during this event-loop turn are flushed once,
 * together, from a single `setImmediate`. Each connection then makes one write per turn no
 * matter how many messages it got, and connections whose queues hold the same frames write the
 * same bytes, framed once ({@link SharedWire}).
 */

import { SharedWire } from './shared-wire.js';

export interface Flushable {
  /** Writes everything queued. Called at most once per turn. */
  flush(): void;
}

export class FlushScheduler {
  private dirty: Flushable[] = [];
  private scheduled = false;
  private readonly run = (): void => this.flushAll();
  /** Wire bytes the connections of one flush share (identical queues are framed once). */
  readonly wire = new SharedWire();

  /**
   * `delay` (ms, `client.write_delay`): 0 flushes after the turn; more holds every frame queued
   * from the first mark on for that long, so each connection writes once per window: fewer
   * writes (the node's main CPU cost in a fan-out) for up to `delay` more latency.
   */
  constructor(private readonly delay = 0) {}

  /** Marks a connection as having queued frames. The caller ensures one mark per flush. */
  mark(target: Flushable): void {
    this.dirty.push(target);
    if (!this.scheduled) {
      this.scheduled = true;
      if (this.delay > 0) setTimeout(this.run, this.delay);
      else setImmediate(this.run);
    }
  }

  private flushAll(): void {
    const batch = this.dirty;
    this.dirty = [];
    this.scheduled = false;
    for (let i = 0; i < batch.length; i++) batch[i]!.flush();
    this.wire.clear();
  }
}
