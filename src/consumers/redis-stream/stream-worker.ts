/**
 * One stream on this node: waits for the stream's lease (while this node holds fewer than its
 * fair share), then, holding it, first applies the group's pending entries (those a dead or
 * departed holder had read but not acknowledged, claimed with XAUTOCLAIM in id order), then new
 * entries in batches, until the lease is lost, the node holds more than its share (it lets this
 * stream go between two batches, nothing left pending) or the consumer stops. While a batch waits
 * for the engine, the lease is still renewed, so no other node takes the stream over meanwhile.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import { pause } from '../retry.js';
import { applyBatch, type BatchContext } from './batch.js';
import { READ_BLOCK_MS } from './connection.js';
import type { StreamEntry } from './entry.js';
import { RENEWALS_PER_LEASE, type StreamLease } from './lease.js';
import type { Semaphore } from './semaphore.js';
import { isNoGroup, type StreamOps, untilDone } from './stream-ops.js';

export interface WorkerShared {
  readonly batchSize: number;
  readonly ttlMs: number;
  readonly workers: Semaphore;
  readonly log: Logger;
  /** Whether this node may take one more stream (it holds fewer than its share). */
  mayAcquire(): boolean;
  /** Whether this node should let `stream` go (it holds more than its share and took it last). */
  shouldRelease(stream: string): boolean;
  held(stream: string, holding: boolean): void;
}

export class StreamWorker {
  constructor(
    private readonly ops: StreamOps,
    private readonly reader: Redis,
    private readonly lease: StreamLease,
    private readonly batch: Omit<BatchContext, 'sink'>,
    private readonly shared: WorkerShared,
    private readonly deadLetterStream: string,
  ) {}

  /** Runs until `stop` aborts. */
  async run(stop: AbortSignal): Promise<void> {
    const renewEvery = this.shared.ttlMs / RENEWALS_PER_LEASE;
    while (!stop.aborted) {
      let acquired = false;
      if (this.shared.mayAcquire()) acquired = await this.lease.acquire().catch(() => false);
      if (!acquired) {
        await pause(renewEvery * (1 + Math.random() / 2), stop);
        continue;
      }
      this.shared.held(this.ops.stream, true);
      this.shared.log.info({ stream: this.ops.stream }, 'stream lease taken: consuming');
      const holding = new AbortController();
      const renewal = setInterval(() => void this.renew(holding), renewEvery);
      const onStop = (): void => holding.abort();
      stop.addEventListener('abort', onStop, { once: true });
      try {
        await this.consume(holding.signal);
      } catch (error) {
        this.shared.log.warn({ err: error, stream: this.ops.stream }, 'stream consumption failed');
      } finally {
        clearInterval(renewal);
        stop.removeEventListener('abort', onStop);
        this.shared.held(this.ops.stream, false);
      }
      // No apply of ours is in flight any more: the next holder may start at once, claiming what
      // we left pending (a lease lost to another node is not released: it is not ours).
      await this.lease.release();
      this.shared.log.info({ stream: this.ops.stream }, 'stream lease given up');
    }
  }

  private async renew(holding: AbortController): Promise<void> {
    const state = await this.lease.renew();
    if (state === 'lost' || !this.lease.valid()) {
      if (!holding.signal.aborted)
        this.shared.log.warn({ stream: this.ops.stream, state }, 'stream lease lost');
      holding.abort();
    }
  }

  /**
   * Consumes while holding the lease. Returns (stopped, lease lost or stream let go) only between
   * two applies, with none in flight; what it read and did not acknowledge stays pending.
   */
  private async consume(signal: AbortSignal): Promise<void> {
    if (!(await untilDone(() => this.ops.ensureGroup(), signal, this.failed('create group')))) return;
    await this.ops.forgetIdleConsumers(Math.max(2 * this.shared.ttlMs, 10_000)).catch(() => {});
    // What earlier holders left pending comes first, in id order; the lease says they are gone.
    if (!(await this.drainPending(0, signal))) return;
    let lastReclaim = Date.now();
    for (;;) {
      if (signal.aborted || !this.lease.valid()) return;
      if (this.shared.shouldRelease(this.ops.stream)) return;
      if (Date.now() - lastReclaim > this.shared.ttlMs) {
        // Entries read by a holder that lost its lease after we took it: claim them once idle.
        if (!(await this.drainPending(this.shared.ttlMs, signal))) return;
        lastReclaim = Date.now();
      }
      let entries: StreamEntry[];
      try {
        entries = await this.ops.readNew(this.reader, this.shared.batchSize, READ_BLOCK_MS);
      } catch (error) {
        if (signal.aborted) return;
        if (isNoGroup(error)) await this.ops.ensureGroup().catch(() => {});
        else await pause(200, signal);
        continue;
      }
      if (entries.length > 0 && !(await this.apply(entries, signal))) return;
    }
  }

  /** Claims and applies the group's pending entries idle `minIdleMs`; false when stopped first. */
  private async drainPending(minIdleMs: number, signal: AbortSignal): Promise<boolean> {
    let cursor = '0-0';
    do {
      let claimed: { cursor: string; entries: StreamEntry[] } | undefined;
      const ok = await untilDone(
        async () => {
          claimed = await this.ops.claim(cursor, minIdleMs, this.shared.batchSize);
        },
        signal,
        this.failed('claim pending'),
      );
      if (!ok || claimed === undefined) return false;
      cursor = claimed.cursor;
      if (claimed.entries.length > 0) {
        this.shared.log.info(
          { stream: this.ops.stream, count: claimed.entries.length },
          'claimed pending entries',
        );
        if (!(await this.apply(claimed.entries, signal))) return false;
      }
    } while (cursor !== '0-0');
    return true;
  }

  private async apply(entries: StreamEntry[], signal: AbortSignal): Promise<boolean> {
    const release = await this.shared.workers.acquire(signal);
    if (release === undefined) return false;
    try {
      return (await applyBatch({ ...this.batch, sink: this.sink() }, entries, signal)) === 'done';
    } finally {
      release();
    }
  }

  /** Logs a queue command that failed (the first time, then every 20th), naming what it was for. */
  private failed(what: string): (error: unknown, failures: number) => void {
    return (error, failures) =>
      this.shared.log.warn(
        { err: error, stream: this.ops.stream, failures },
        `redis_stream: ${what} failed, retrying`,
      );
  }

  private sink(): BatchContext['sink'] {
    return {
      ack: (ids, signal) => untilDone(() => this.ops.ack(ids), signal, this.failed('acknowledge')),
      deadLetter: (dead, signal) =>
        untilDone(() => this.ops.deadLetter(this.deadLetterStream, dead), signal, this.failed('dead-letter')),
    };
  }
}
