/**
 * What a subscribe that recovers gets back, in the two recovery modes of Centrifugo
 * (`force_recovery_mode`): `stream` returns every publication after the client's position or none,
 * `cache` only the latest publication, the current value of a channel used as a key-value cell.
 */
import type { ChannelOptions } from '../config/types.js';
import type { HistoryStore } from '../engine/types.js';
import type { Publication, StreamPosition } from '../protocol/types.js';
import type { TagsMatcher } from './tags-filter.js';

/** The position a client recovers from. Both parts are optional on the wire: the SDKs leave out `''` and 0. */
export interface RecoverFrom {
  offset: number;
  /** `''`: any epoch, as in Centrifugo (a client that never learned one still recovers). */
  epoch: string;
}

/** A recovery's outcome before the reply budget is applied. */
export interface RecoveryRead {
  /** Whether the client ends up with every publication it lacks (stream) or the latest (cache). */
  recovered: boolean;
  /** What to send; empty unless `recovered`. */
  publications: Publication[];
  /** The stream's top: where the subscription continues from. */
  position: StreamPosition;
}

/**
 * Stream mode (Centrifugo's `isStreamRecovered`): recovered when the epoch matches (or none was
 * sent), the stream still holds every publication after `from.offset`, and there are at most
 * `maxPublications` of them (0: no cap). Never partial: otherwise nothing is sent. With a tags
 * filter, only the matching ones are sent; the others count as received, as live.
 */
export async function recoverStream(
  history: HistoryStore,
  channel: string,
  options: ChannelOptions,
  from: RecoverFrom,
  maxPublications: number,
  matches?: TagsMatcher,
): Promise<RecoveryRead> {
  // One more than the cap tells "too many" from "exactly the cap".
  const limit = maxPublications === 0 ? -1 : maxPublications + 1;
  const read = await history.history(
    channel,
    { limit, since: { offset: from.offset } },
    options.history_meta_ttl,
  );
  const { publications: pubs, position } = read;
  const epochMatches = from.epoch === '' || from.epoch === position.epoch;
  const complete =
    pubs.length === 0
      ? position.offset === from.offset
      : pubs[0]!.offset === from.offset + 1 && pubs.at(-1)!.offset === position.offset;
  const withinCap = maxPublications === 0 || pubs.length <= maxPublications;
  const recovered = epochMatches && complete && withinCap;
  if (!recovered) return { recovered, publications: [], position };
  return { recovered, publications: matches ? pubs.filter((p) => matches(p.tags)) : pubs, position };
}

/**
 * Cache mode (Centrifugo's `isCacheRecovered`): the latest publication, whatever the client's
 * epoch, unless the client holds it already (same epoch and offset, above 0). An empty cache
 * (nothing published, or history expired) is recovered only for a client that is up to date.
 * With a tags filter, the latest matching publication among the last `maxPublications` (0: all).
 */
export async function recoverCache(
  history: HistoryStore,
  channel: string,
  options: ChannelOptions,
  from: RecoverFrom,
  maxPublications: number,
  matches?: TagsMatcher,
): Promise<RecoveryRead> {
  const limit = matches === undefined ? 1 : maxPublications === 0 ? -1 : maxPublications;
  const read = await history.history(channel, { limit, reverse: true }, options.history_meta_ttl);
  const { position } = read;
  const latest = read.publications[0];
  const upToDate = from.offset > 0 && from.offset === position.offset && from.epoch === position.epoch;
  if (latest === undefined) return { recovered: upToDate, publications: [], position };
  const recovered = latest.offset === position.offset;
  const value = matches === undefined ? latest : read.publications.find((p) => matches(p.tags));
  const send = recovered && !upToDate && value !== undefined;
  return { recovered, publications: send ? [value] : [], position };
}

/** Whether subscriptions with these options recover in cache mode. */
export function cacheMode(options: ChannelOptions): boolean {
  return options.force_recovery_mode === 'cache';
}
