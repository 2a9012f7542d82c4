/**
 * The epoch of a stream that has no record. Reading a channel stores nothing, so a channel that was
 * never published (or whose record expired) has no stored epoch, yet a subscriber must learn a
 * position that the first publish continues: offset 0 and an epoch that stays the same on every
 * read and every node, and that the first publish then stores as the stream's epoch.
 *
 * That epoch is a hash of four things, so nothing needs storing:
 *
 * - the backend's identity, which lives exactly as long as the backend's records: a random id per
 *   memory bus (a process restart loses every record, and the id with them); on Redis a random seed
 *   stored in Redis itself (`<prefix>:seed`, one per slot in Redis Cluster), so a restart that keeps
 *   the data (append-only file, snapshot) or a failover to a replica keeps every epoch, while a Redis
 *   that lost its data lost the seed too and gets another: a lost stream never comes back under its
 *   old epoch;
 * - a time window of half the meta ttl, and the window's number. A record lives at least a meta ttl
 *   after it is created, so two records of one channel can never start in the same window: the
 *   next record gets another epoch, and a client holding the old one is told `recovered: false`.
 *   Half, not the whole ttl, so that even a clock step of less than half the ttl cannot break that;
 * - the channel (the Redis scripts use its meta key), so channels do not share an epoch: in
 *   Centrifugo too every stream gets its own.
 *
 * The cost: a subscriber that read the position of an unpublished channel in one window and sees
 * its first publication in the next (once per 15 days of a 30-day meta ttl, per channel) sees the
 * epoch change and resubscribes with `recovered: false`: never a silent loss, at worst a reload.
 */
import { createHash } from 'node:crypto';

/** The window the epoch of a stream without a record changes with, ms; 0 when the meta never expires. */
export function epochWindowMs(metaTtlMs: number): number {
  return metaTtlMs === Number.POSITIVE_INFINITY ? 0 : Math.max(1, Math.floor(metaTtlMs / 2));
}

/** Characters of an epoch: 48 bits of the hash, so two windows of one channel practically never collide. */
export const EPOCH_LENGTH = 12;

/**
 * The epoch of `channel`'s stream without a record on the backend `identity`, at `now` (ms). The
 * Redis scripts compute the same thing in Lua (`stream_epoch` in `redis/lua-helpers.ts`).
 */
export function streamEpoch(identity: string, windowMs: number, now: number, channel: string): string {
  const window = windowMs === 0 ? 0 : Math.floor(now / windowMs);
  const hash = createHash('sha1').update(`${identity}:${windowMs}:${window}:${channel}`);
  return hash.digest('hex').slice(0, EPOCH_LENGTH);
}
