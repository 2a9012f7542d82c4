/**
 * After the broker was interrupted, publications may have been lost on the way to this node. Every
 * subscription that tracks its stream position compares it with the stream's top; one that fell
 * behind (or whose stream changed epoch) is told to resubscribe, which recovers the gap.
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

/** Tells every live subscription that fell behind its stream to resubscribe. */
export async function checkPositions(node: PositionCheckContext): Promise<void> {
  const byChannel = new Map<string, ClientSubscription[]>();
  for (const [channel] of node.hub.channelCounts()) {
    const subs = node.hub.subscribers(channel).filter((s) => s.tracksPosition && s.buffer === null);
    if (subs.length > 0) byChannel.set(channel, subs);
  }
  await Promise.all(
    [...byChannel].map(async ([channel, subs]) => {
      try {
        const first = subs[0]!;
        const read = await node.history.history(channel, { limit: 0 }, first.options.history_meta_ttl);
        for (const sub of subs) {
          if (sub.buffer !== null || !node.hub.has(sub)) continue;
          if (read.position.epoch !== sub.epoch || read.position.offset > sub.offset) {
            sub.conn.onInsufficientState(sub);
          }
        }
      } catch (error) {
        node.log.warn({ err: error, channel }, 'position check failed');
      }
    }),
  );
}
