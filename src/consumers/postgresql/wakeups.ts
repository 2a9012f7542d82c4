/**
 * Wake-ups of the partition workers: a worker with nothing to do waits until its poll interval
 * ends, a NOTIFY names its partition, or the consumer stops. A wake-up that comes while the worker
 * is busy is kept (one per partition, like a buffered channel of one), so a row committed during a
 * batch is picked up right after it.
 */

export class Wakeups {
  private readonly pending: boolean[];
  private readonly waiters: ((() => void) | undefined)[];

  constructor(partitions: number) {
    this.pending = new Array<boolean>(partitions).fill(false);
    this.waiters = new Array<(() => void) | undefined>(partitions).fill(undefined);
  }

  /** Wakes `partition`'s worker; answers false for a partition out of range. */
  wake(partition: number): boolean {
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.pending.length) return false;
    const waiter = this.waiters[partition];
    if (waiter === undefined) this.pending[partition] = true;
    else waiter();
    return true;
  }

  wakeAll(): void {
    for (let p = 0; p < this.pending.length; p++) this.wake(p);
  }

  /** Resolves after `ms`, on a wake-up of `partition` (also one that came before), or on abort. */
  wait(partition: number, ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending[partition] === true || signal.aborted) {
      this.pending[partition] = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters[partition] = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.waiters[partition] = done;
    });
  }
}
