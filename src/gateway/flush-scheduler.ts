/**
 * Batches writes: connections that queued frames during this event-loop turn are flushed once,
 * together, from a single `setImmediate`. Each connection then makes one write per turn no
 * matter how many messages it got.
 */

export interface Flushable {
  /** Writes everything queued. Called at most once per turn. */
  flush(): void;
}

export class FlushScheduler {
  private dirty: Flushable[] = [];
  private scheduled = false;
  private readonly run = (): void => this.flushAll();

  /** Marks a connection as having queued frames. The caller ensures one mark per turn. */
  mark(target: Flushable): void {
    this.dirty.push(target);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  private flushAll(): void {
    const batch = this.dirty;
    this.dirty = [];
    this.scheduled = false;
    for (let i = 0; i < batch.length; i++) batch[i]!.flush();
  }
}
