/**
 * Sets up a subscription without losing or repeating a publication. The subscription joins the hub
 * first and buffers what arrives; then the stream position is read (and the gap since the client's
 * position, when it recovers); the reply is queued; then buffered publications newer than the
 * position follow as pushes. The client sees every publication once, in order, or `recovered: false`.
 */
import { canHistory } from '../auth/permissions.js';
import type { ChannelOptions } from '../config/types.js';
import { ErrorCode } from '../protocol/codes.js';
import { encodePublicationPush } from '../protocol/encode.js';
import type { Publication, StreamPosition, SubscribeResult } from '../protocol/types.js';
import { ClientSubscription } from './client-subscription.js';
import type { Connection } from './connection.js';
import { CommandError } from './errors.js';
import { ttlSeconds } from './expiry.js';
import { cacheMode, recoverCache, recoverStream } from './recovery.js';
import { publicationsBytes, replyBudget } from './size-limits.js';
import type { TagsMatcher } from './tags-filter.js';

/** What the client (or the server, for server-side subscriptions) asked for. */
export interface SubscriptionRequest {
  channel: string;
  options: ChannelOptions;
  recover?: boolean;
  epoch?: string;
  offset?: number;
  recoverable?: boolean;
  positioned?: boolean;
  joinLeave?: boolean;
  /** Fail with 112 instead of answering `recovered: false`. */
  rejectUnrecovered?: boolean;
  /**
   * Recover without `recover` in cache mode (the namespace's `auto_cache_recover`, the default);
   * false for the server API's `subscribe`, which Centrifugo never recovers.
   */
  autoCacheRecover?: boolean;
  /** The request's tags filter (`tf`), compiled: only matching publications are delivered. */
  filter?: TagsMatcher;
  chanInfo?: unknown;
  serverSide: boolean;
  /** Subscription token expiry, Unix ms. */
  expiresAt?: number;
}

/** Subscribe flag asking for error 112 when recovery fails. */
export const FLAG_REJECT_UNRECOVERED = 2;

export function historyEnabled(options: ChannelOptions): boolean {
  return options.history_size > 0 && options.history_ttl > 0;
}

/**
 * Whether the connection may read the channel's history once subscribed. As in Centrifugo, that also
 * grants recovery and positioning to a client asking for them (`recoverable`, `positioned`): it could
 * read the same publications with `history` anyway.
 */
function mayReadHistory(conn: Connection, channel: string, options: ChannelOptions): boolean {
  if (conn.node.config.client.insecure) return true;
  const ctx = { user: conn.user, channel, options, subscribed: true, hasSubscriptionToken: false };
  return canHistory({ ...ctx, rules: conn.node.rules }) === null;
}

/** The subscription's traits from the namespace's options and what was asked for. */
function traits(conn: Connection, req: SubscriptionRequest) {
  const { options } = req;
  const history = historyEnabled(options);
  // Server-side subscriptions are granted by the namespace alone (they ask for `recoverable` themselves).
  const reads = (): boolean => !req.serverSide && mayReadHistory(conn, req.channel, options);
  const recoverable =
    history && (options.force_recovery || (req.recoverable === true && (options.allow_recovery || reads())));
  const positioned =
    history &&
    (options.force_positioning || (req.positioned === true && (options.allow_positioning || reads())));
  const pushJoinLeave = options.join_leave && (options.force_push_join_leave || req.joinLeave === true);
  return { recoverable, positioned, pushJoinLeave, serverSide: req.serverSide, filter: req.filter };
}

/** Registers the subscription and computes its reply. The subscription stays buffered until `activateSubscription`. */
export async function prepareSubscription(
  conn: Connection,
  req: SubscriptionRequest,
): Promise<{ sub: ClientSubscription; result: SubscribeResult }> {
  const node = conn.node;
  // Replacing a subscription would leave the old one in the hub with nobody to remove it.
  if (conn.subs.has(req.channel)) throw new CommandError(ErrorCode.AlreadySubscribed);
  const sub = new ClientSubscription(
    conn,
    req.channel,
    req.options,
    traits(conn, req),
    conn.clientInfo(req.chanInfo),
  );
  sub.expiresAt = req.expiresAt ?? 0;
  conn.subs.set(sub);
  if (sub.expiresAt > 0) conn.reschedule();
  try {
    await node.hub.add(sub);
    const result: SubscribeResult = {};
    // Centrifugo echoes `recover` even where nothing can be recovered.
    const recovering = req.recover === true || (sub.recoverable && autoCacheRecover(req));
    if (recovering) result.was_recovering = true;
    if (sub.tracksPosition) await readPosition(conn, sub, req, recovering && sub.recoverable, result);
    if (sub.expiresAt > 0) {
      result.expires = true;
      result.ttl = ttlSeconds(sub.expiresAt);
    }
    return { sub, result };
  } catch (error) {
    if (conn.subs.get(req.channel) === sub) conn.subs.delete(req.channel);
    node.hub.remove(sub);
    throw error;
  }
}

/** `auto_cache_recover` applies (it is only valid with `force_recovery` in cache mode). */
function autoCacheRecover(req: SubscriptionRequest): boolean {
  return req.autoCacheRecover !== false && req.options.auto_cache_recover && cacheMode(req.options);
}

async function readPosition(
  conn: Connection,
  sub: ClientSubscription,
  req: SubscriptionRequest,
  recovering: boolean,
  result: SubscribeResult,
): Promise<void> {
  const node = conn.node;
  const { history } = node.engine;
  let position: StreamPosition;
  if (recovering) {
    const from = { offset: req.offset ?? 0, epoch: req.epoch ?? '' };
    const cache = cacheMode(sub.options);
    const max = node.config.client.recovery_max_publication_limit;
    const read = await (cache ? recoverCache : recoverStream)(
      history,
      sub.channel,
      sub.options,
      from,
      max,
      req.filter,
    );
    const recovered = read.recovered && claimReplyRoom(conn, sub, read.publications);
    node.metrics?.recovery(recovered);
    // As in Centrifugo, only a stream recovery is refused with 112: in cache mode there is no gap to
    // reload around, the client just has no value yet.
    if (!recovered && !cache && req.rejectUnrecovered === true) {
      throw new CommandError(ErrorCode.UnrecoverablePosition);
    }
    position = read.position;
    if (recovered) {
      result.recovered = true;
      if (read.publications.length > 0) result.publications = read.publications;
    }
    // A recovered reply carries the client's own offset, which every recovered publication then
    // moves on (the SDKs count from it): so the position of a client whose handler fails midway
    // stays before the publication it did not take. Otherwise the reply gives the top to start from.
    result.offset = recovered ? from.offset : position.offset;
  } else {
    position = (await history.history(sub.channel, { limit: 0 }, sub.options.history_meta_ttl)).position;
    result.offset = position.offset;
  }
  sub.offset = position.offset;
  sub.epoch = position.epoch;
  if (sub.recoverable) result.recoverable = true;
  // Centrifugo marks every subscription that tracks its position, recoverable ones included.
  result.positioned = true;
  result.epoch = sub.epoch;
}

/**
 * Bytes of recovered publications held for a subscription whose reply is not queued yet. The entry of a
 * subscription that goes live is deleted; one removed before that stops counting (it has left `conn.subs`).
 */
const replyClaims = new WeakMap<ClientSubscription, number>();

/**
 * Whether recovered publications fit the reply budget next to those claimed by the connection's other
 * subscriptions still being set up (a connect recovers its server-side channels into one reply); claims
 * the room when they do. Beyond the budget the subscription is answered `recovered: false`: queued, such
 * a reply would drop the client as slow on every reconnect.
 */
function claimReplyRoom(conn: Connection, sub: ClientSubscription, pubs: readonly Publication[]): boolean {
  if (pubs.length === 0) return true;
  let claimed = 0;
  for (const other of conn.subs.values()) {
    if (other !== sub && other.buffer !== null) claimed += replyClaims.get(other) ?? 0;
  }
  const bytes = publicationsBytes(pubs);
  if (claimed + bytes > replyBudget(conn.node.config.client)) return false;
  replyClaims.set(sub, bytes);
  return true;
}

/** Call right after the reply is queued: delivers what arrived meanwhile and makes the subscription live. */
export function activateSubscription(conn: Connection, sub: ClientSubscription): void {
  replyClaims.delete(sub);
  const buffered = sub.buffer;
  sub.buffer = null;
  if (buffered !== null) {
    for (const { pub, epoch } of buffered) {
      if (sub.tracksPosition && pub.offset !== undefined) {
        const step = sub.advance(pub.offset, epoch);
        if (step === 'skip') continue;
        if (step === 'gap') {
          conn.onInsufficientState(sub);
          return;
        }
      }
      if (!sub.matches(pub.tags)) continue;
      conn.send(encodePublicationPush(sub.channel, pub, epoch));
    }
  }
  conn.node.onSubscribed(sub);
}
