/**
 * Publications can be lost on the way to this node: while its pub/sub connection to the broker
 * was down, or by a broker that drops what it cannot deliver. A gap shows on the next publication
 * of the channel (its offset skips), but when nothing comes after, only the stream itself tells.
 * So every subscription that tracks its position is compared with its stream's top: at once when
 * the broker's subscriptions are back, and every `client.channel_position_check_delay` (as
 * Centrifugo does). One that is behind (or whose stream changed epoch) is told to resubscribe,
 * which recovers the gap.
 *
 * A read that fails (the broker's command connection may come back after its pub/sub one) is
 * tried again with a capped backoff until it succeeds or a newer round starts: the check right
 * after an outage is the one that matters most. A subscription behind the top it read is given
 * `GRACE_MS` to catch up before it is told, so a publication on its way is not taken for a loss.
 */
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
  private timer: NodeJS.Timeout | undefined;
  private readonly waits = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private stopped = false;

  constructor(private readonly node: PositionCheckContext) {}

  /** Checks every `intervalMs` from now on, until `stop()`. */
  every(intervalMs: number): void {
    this.timer = setInterval(() => void this.checkAll(), intervalMs);
    this.timer.unref();
  }

  /**
   * Compares every tracking subscription with its stream's top; resolves once each channel was
   * read (retrying failed reads) or a newer round began.
   */
  async checkAll(): Promise<void> {
    const round = ++this.round;
    const channels = [...this.node.hub.channelCounts().keys()].filter((c) => this.tracked(c).length > 0);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < channels.length) await this.checkChannel(channels[next++]!, round);
    };
    await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, channels.length) }, worker));
  }

  /** Stops the periodic check and every retry and grace wait. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const wait of this.waits) {
      clearTimeout(wait.timer);
      wait.resolve();
    }
    this.waits.clear();
  }

  private current(round: number): boolean {
    return !this.stopped && round === this.round;
  }

  /** The channel's live subscriptions that track their position. */
  private tracked(channel: string): ClientSubscription[] {
    return this.node.hub.subscribers(channel).filter((s) => s.tracksPosition && s.buffer === null);
  }

  private async checkChannel(channel: string, round: number): Promise<void> {
    for (let delay = FIRST_RETRY_MS, attempt = 1; this.current(round); attempt++) {
      const subs = this.tracked(channel);
      const first = subs[0];
      if (first === undefined) return;
      let top: { offset: number; epoch: string };
      try {
        top = (await this.node.history.history(channel, { limit: 0 }, first.options.history_meta_ttl))
          .position;
      } catch (error) {
        if (attempt === 1) this.node.log.warn({ err: error, channel }, 'position check failed, retrying');
        await this.sleep(delay);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
        continue;
      }
      const behind = subs.filter((sub) => this.node.hub.has(sub) && sub.buffer === null);
      const moved = behind.filter((sub) => sub.epoch !== top.epoch);
      for (const sub of moved) sub.conn.onInsufficientState(sub);
      const late = behind.filter((sub) => sub.epoch === top.epoch && sub.offset < top.offset);
      if (late.length === 0) return;
      await this.sleep(GRACE_MS);
      if (this.stopped) return;
      for (const sub of late) {
        if (!this.node.hub.has(sub) || sub.buffer !== null) continue;
        if (sub.epoch === top.epoch && sub.offset < top.offset) sub.conn.onInsufficientState(sub);
      }
      return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wait = {
        timer: setTimeout(() => {
          this.waits.delete(wait);
          resolve();
        }, ms),
        resolve,
      };
      this.waits.add(wait);
    });
  }
}
