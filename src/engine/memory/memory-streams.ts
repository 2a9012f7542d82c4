/**
 * Channel history streams held in process memory. One instance lives on a `MemoryBus` and is shared
 * by every broker (which appends) and history store (which reads) attached to that bus, the way a
 * Redis instance is shared by the nodes of a cluster. Only an append creates a record; a read of a
 * channel without one answers offset 0 and the epoch its first append will take (`stream-epoch.ts`).
 */
import { randomBytes } from 'node:crypto';
import type { Publication, StreamPosition } from '../../protocol/types.js';
import { epochWindowMs, streamEpoch } from '../stream-epoch.js';
import type { HistoryOptions, HistoryPage, HistoryQuery } from '../types.js';
import { copyPublication } from './copy-publication.js';

/** A channel's stream as the broker sees it right after an append. */
export interface StreamView {
  readonly epoch: string;
  /** Offset of the newest publication (0 before the first). */
  readonly offset: number;
  /** Kept publications, oldest first; after `append` the appended one is the last element. */
  readonly publications: readonly Publication[];
}

interface Stream {
  epoch: string;
  offset: number;
  /** Oldest first. Offsets are contiguous: only appends (+1) and trims from the front change them. */
  publications: Publication[];
  /** When the publications are dropped (ttl after the last publish). */
  publicationsExpireAt: number;
  /** When offset and epoch are forgotten (meta ttl after the last publish; reads do not extend it). */
  metaExpireAt: number;
  /** The publisher's version last accepted (0: none yet) and its epoch; kept with the meta. */
  version: number;
  versionEpoch: string;
}

/** History streams keyed by channel. Times are in the bus clock's milliseconds. */
export class MemoryStreams {
  private readonly streams = new Map<string, Stream>();
  /**
   * This bus's identity in epochs: a new process (which lost every stream) never reuses the epochs of
   * the one before.
   */
  private readonly identity = randomBytes(8).toString('hex');

  /** Number of channels with stream meta in memory (expired but unswept ones included). */
  get size(): number {
    return this.streams.size;
  }

  /** Whether `channel` has a stream record in memory (an expired but unswept one included). */
  has(channel: string): boolean {
    return this.streams.has(channel);
  }

  /**
   * Appends a copy of `pub` with the next offset, trims to `options.size` and extends the ttls.
   * A stream whose meta expired starts over with a new epoch, so the first offset is 1 again.
   */
  append(
    channel: string,
    pub: Publication,
    options: HistoryOptions,
    now: number,
    version = 0,
    versionEpoch = '',
  ): StreamView {
    const stream = this.live(channel, now) ?? this.create(channel, options.metaTtlMs, now);
    // A publish without a version leaves the last one in place, as Centrifugo's Redis engine does.
    if (version > 0) {
      stream.version = version;
      stream.versionEpoch = versionEpoch;
    }
    const offset = stream.offset + 1;
    stream.offset = offset;
    // A copy, so the caller's object is not changed and `pub.offset` from the caller is ignored.
    stream.publications.push(copyPublication(pub, offset));
    const excess = stream.publications.length - options.size;
    if (excess === 1) {
      stream.publications.shift();
    } else if (excess > 1) {
      stream.publications.splice(0, excess);
    }
    stream.publicationsExpireAt = now + options.ttlMs;
    // Meta outlives the publications, otherwise kept publications would sit in a stream with a new epoch.
    stream.metaExpireAt = Math.max(stream.metaExpireAt, now + options.metaTtlMs, stream.publicationsExpireAt);
    return stream;
  }

  /**
   * Reads a stream and stores nothing: a channel without a record reads as offset 0 with the epoch
   * its first append will take, and a read does not extend a record's ttl (only publishing does), so
   * readers cannot keep channels in memory.
   */
  read(channel: string, query: HistoryQuery, metaTtlMs: number, now: number): HistoryPage {
    const stream = this.live(channel, now);
    if (stream === undefined) {
      return { publications: [], position: { offset: 0, epoch: this.epochAt(channel, metaTtlMs, now) } };
    }
    const position: StreamPosition = { offset: stream.offset, epoch: stream.epoch };
    return { publications: select(stream.publications, query), position };
  }

  /**
   * The stream's position when a publish of `version` (> 0) in `versionEpoch` is stale: not above the
   * version last accepted, in the same epoch or with no epoch given. Undefined when it may go on
   * (no stream record, hence no version; or a newer version; or another epoch).
   */
  staleVersion(
    channel: string,
    version: number,
    versionEpoch: string,
    now: number,
  ): StreamPosition | undefined {
    const stream = this.live(channel, now);
    if (stream === undefined || stream.version === 0) return undefined;
    if (versionEpoch !== '' && versionEpoch !== stream.versionEpoch) return undefined;
    return version <= stream.version ? { offset: stream.offset, epoch: stream.epoch } : undefined;
  }

  /** Drops a stream's publications; its offset and epoch stay. */
  clear(channel: string): void {
    const stream = this.streams.get(channel);
    if (stream !== undefined) stream.publications = [];
  }

  /** Forgets expired meta and drops expired publications, so memory follows live streams only. */
  sweep(now: number): void {
    for (const [channel, stream] of this.streams) {
      if (stream.metaExpireAt <= now) {
        this.streams.delete(channel);
      } else if (stream.publications.length > 0 && stream.publicationsExpireAt <= now) {
        stream.publications = [];
      }
    }
  }

  /** The channel's stream with expired parts removed, or undefined when its meta is gone. */
  private live(channel: string, now: number): Stream | undefined {
    const stream = this.streams.get(channel);
    if (stream === undefined) return undefined;
    if (stream.metaExpireAt <= now) {
      this.streams.delete(channel);
      return undefined;
    }
    if (stream.publications.length > 0 && stream.publicationsExpireAt <= now) {
      stream.publications = [];
    }
    return stream;
  }

  private create(channel: string, metaTtlMs: number, now: number): Stream {
    const stream: Stream = {
      epoch: this.epochAt(channel, metaTtlMs, now),
      offset: 0,
      publications: [],
      publicationsExpireAt: 0,
      // The caller extends it right away with the ttl it was given.
      metaExpireAt: 0,
      version: 0,
      versionEpoch: '',
    };
    this.streams.set(channel, stream);
    return stream;
  }

  /** The epoch of `channel`'s stream without a record at `now`, given the channel's meta ttl. */
  private epochAt(channel: string, metaTtlMs: number, now: number): string {
    return streamEpoch(this.identity, epochWindowMs(metaTtlMs), now, channel);
  }
}

/** Applies `since`, `reverse` and `limit` (in that order) to publications kept oldest first. */
function select(publications: readonly Publication[], query: HistoryQuery): Publication[] {
  const { limit } = query;
  const count = publications.length;
  if (limit === 0 || count === 0) return [];
  // Offsets are contiguous, so an offset maps to an index by subtraction instead of a search.
  const firstOffset = publications[0]!.offset ?? 1;
  const since = query.since?.offset;
  if (query.reverse === true) {
    // Publications before `since`, newest first.
    const end = since === undefined ? count : clamp(since - firstOffset, 0, count);
    const start = limit < 0 ? 0 : Math.max(0, end - limit);
    return publications.slice(start, end).reverse();
  }
  // Publications after `since`, oldest first.
  const start = since === undefined ? 0 : clamp(since - firstOffset + 1, 0, count);
  const end = limit < 0 ? count : Math.min(count, start + limit);
  return publications.slice(start, end);
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(value, max));
}
