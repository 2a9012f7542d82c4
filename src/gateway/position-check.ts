/**
 * Publications can be lost on the way to this node: while its pub/sub connection to the broker
 * was down, or by a broker that drops what it cannot deliver. A gap shows on the next publication
 * of the channel (its offset skips), but when nothing comes after, only the stream itself tells.
 * So every subscription that tracks its position is compared with its stream's top: at once when
 * the broker's subscriptions are back, and every `client.channel_position_check_delay` (as
 * Centrifugo does). One that is behind (or whose stream changed epoch) is told to resubscribe,
 * which recovers the gap.
 *
 * After an interruption a read that fails (the broker's command connection may come back after
 * its pub/sub one) is tried again with a capped backoff until it succeeds or a newer round starts:
 * that check is the one that matters most. A periodic round leaves a failed read to the next one.
 * A subscription behind the top it read is given `GRACE_MS` to catch up before it is told, so a
 * publication on its way is not taken for a loss.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { HistoryStore } from '../engine/types.js';
import type { Logger } from '../log.js';
import type { ClientSubscription } from './client-subscription.js';
import type { Hub } from './hub.js';

/** What the position check reads: the local subscriptions, the streams' tops, where to warn. */
export interface PositionCheckContext {
  readonly hub: Pick<Hub, 'channelCounts' | 'subscribers' | 'has'>;
  readonly history: HistoryStore;
  readonly log: Logger;
}

/** How long a subscription behind the top it was compared with has to receive what is missing. */
export const GRACE_MS = 1_000;
/** The first and the longest wait before a failed read is tried again. */
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;
/** Most stream reads of one round in flight at once. */
const READS_IN_FLIGHT = 256;

export class PositionChecks {
  private round = 0;
  /** The round retrying its failed reads (after an interruption), while it runs. */
  private retrying: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Aborted by `stop()`: ends every retry and grace wait. */
  private readonly stopping = new AbortController();

  constructor(private readonly node: PositionCheckContext) {}

  /**
   * Checks every `intervalMs` from now on, until `stop()`; a read that fails waits for the next. A
   * tick while a round retries (after an interruption) is skipped: it would end those retries.
   */
  every(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.retrying === undefined) void this.checkAll({ retry: false });
    }, intervalMs);
    this.timer.unref();
  }

  /**
   * Compares every tracking subscription with its stream's top; resolves once each channel was
   * read and its late subscriptions' grace ended, or a newer round began. With `retry` (after an
   * interruption) a failed read is tried again until it works.
   */
  async checkAll({ retry = true }: { retry?: boolean } = {}): Promise<void> {
    const round = ++this.round;
    this.retrying = retry ? round : undefined;
    // A channel without a subscription that tracks its position is passed over by checkChannel.
    const channels = [...this.node.hub.channelCounts().keys()];
    const graces: Promise<void>[] = [];
    let failed = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < channels.length && this.current(round)) {
        const channel = channels[next++]!;
        const late = await this.checkChannel(channel, round, retry, () => {
          if (failed++ === 0) this.node.log.warn({ channel, retry }, 'position check: a stream read failed');
        });
        // Wrapped: a promise returned by an async function would be waited for by its caller.
        if (late !== undefined) graces.push(late.grace);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, channels.length) }, worker));
    } finally {
      if (this.retrying === round) this.retrying = undefined;
    }
    await Promise.all(graces);
  }

  /** Stops the periodic check and every retry and grace wait. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.stopping.abort();
  }

  private current(round: number): boolean {
    return !this.stopping.signal.aborted && round === this.round;
  }

  /** Still subscribed, and not buffering while it recovers. */
  private isLive(sub: ClientSubscription): boolean {
    return this.node.hub.has(sub) && sub.buffer === null;
  }

  /**
   * Reads the channel's top (again after a failure, with `retry`), tells the subscriptions on
   * another epoch at once, and returns the grace after which those behind are told.
   */
  private async checkChannel(
    channel: string,
    round: number,
    retry: boolean,
    onFailure: () => void,
  ): Promise<{ grace: Promise<void> } | undefined> {
    for (let wait = FIRST_RETRY_MS; this.current(round); wait = Math.min(wait * 2, MAX_RETRY_MS)) {
      const subs = this.node.hub.subscribers(channel).filter((s) => s.tracksPosition && this.isLive(s));
      const first = subs[0];
      if (first === undefined) return undefined;
      let top: { offset: number; epoch: string };
      try {
        top = (await this.node.history.history(channel, { limit: 0 }, first.options.history_meta_ttl))
          .position;
      } catch {
        onFailure();
        if (!retry) return undefined;
        await this.sleep(wait);
        continue;
      }
      const behind = (sub: ClientSubscription): boolean =>
        this.isLive(sub) && sub.epoch === top.epoch && sub.offset < top.offset;
      for (const sub of subs) {
        if (this.isLive(sub) && sub.epoch !== top.epoch) sub.conn.onInsufficientState(sub);
      }
      const late = subs.filter(behind);
      if (late.length === 0) return undefined;
      const grace = this.sleep(GRACE_MS).then(() => {
        if (this.stopping.signal.aborted) return;
        for (const sub of late) if (behind(sub)) sub.conn.onInsufficientState(sub);
      });
      return { grace };
    }
    return undefined;
  }

  /** Waits `ms`, or less once stopped. */
  private sleep(ms: number): Promise<void> {
    return delay(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }
}
