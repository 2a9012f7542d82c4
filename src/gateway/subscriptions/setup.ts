/**
 * Sets up a subscription without losing or repeating a publication. The subscription joins the hub
 * first and buffers what arrives; then the stream position is read (and the gap since the client's
 * position, when it recovers); the reply is queued; then buffered publications newer than the
 * position follow as pushes. The client sees every publication once, in order, or `recovered: false`.
 */
import type { ChannelRules } from '../../auth/channel-rules.js';
import { canHistory } from '../../auth/permissions.js';
import type { ChannelOptions, Config } from '../../config/types.js';
import type { HistoryStore } from '../../engine/types.js';
import { ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import type { Publication, StreamPosition, SubscribeResult } from '../../protocol/types.js';
import { ClientSubscription } from '../client-subscription.js';
import { ttlSeconds } from '../expiry.js';
import { historyEnabled } from '../history-read.js';
import type { Hub } from '../hub.js';
import { cacheMode, recoverCache, recoverStream } from '../recovery.js';
import type { Session } from '../session.js';
import { publicationsBytes, replyBudget } from '../size-limits.js';
import type { TagsMatcher } from '../tags-filter.js';

/** What setting a subscription up works with (the subscription lifecycle provides it). */
export interface SetupContext {
  readonly config: Config;
  readonly rules: ChannelRules;
  readonly hub: Pick<Hub, 'add' | 'remove' | 'seedDeltaBase'>;
  readonly history: HistoryStore;
  /** Told whether a recovery recovered. */
  onRecovery(recovered: boolean): void;
  /** The subscription went live: presence and join. */
  activated(sub: ClientSubscription): void;
}

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
  /** The client asked for Fossil delta compression (`delta: "fossil"`). */
  delta?: boolean;
  chanInfo?: unknown;
  serverSide: boolean;
  /** Subscription token expiry, Unix ms. */
  expiresAt?: number;
  /** The node refreshes the subscription through the sub_refresh proxy (the reply then tells no expiry). */
  serverRefresh?: boolean;
  /** Data for the client in the subscribe result (from the subscribe or connect proxy). */
  data?: unknown;
}

/** A subscription registered and buffering, and the reply it gets once it goes live. */
export interface PreparedSubscription {
  sub: ClientSubscription;
  result: SubscribeResult;
}

/** Subscribe flag asking for error 112 when recovery fails. */
export const FLAG_REJECT_UNRECOVERED = 2;

/**
 * Whether the connection may read the channel's history once subscribed. As in Centrifugo, that also
 * grants recovery and positioning to a client asking for them (`recoverable`, `positioned`): it could
 * read the same publications with `history` anyway.
 */
function mayReadHistory(
  ctx: SetupContext,
  session: Session,
  channel: string,
  options: ChannelOptions,
): boolean {
  if (ctx.config.client.insecure) return true;
  const rule = { user: session.user, channel, options, subscribed: true, hasSubscriptionToken: false };
  return canHistory({ ...rule, rules: ctx.rules }) === null;
}

/** The subscription's traits from the namespace's options and what was asked for. */
function traits(ctx: SetupContext, session: Session, req: SubscriptionRequest) {
  const { options } = req;
  const history = historyEnabled(options);
  // Server-side subscriptions are granted by the namespace alone (they ask for `recoverable` themselves).
  const reads = (): boolean => !req.serverSide && mayReadHistory(ctx, session, req.channel, options);
  const recoverable =
    history && (options.force_recovery || (req.recoverable === true && (options.allow_recovery || reads())));
  const positioned =
    history &&
    (options.force_positioning || (req.positioned === true && (options.allow_positioning || reads())));
  const pushJoinLeave = options.join_leave && (options.force_push_join_leave || req.joinLeave === true);
  // A delta is made against the publication before, so only a subscription that tracks its
  // position gets one (as in Centrifugo OSS), and one with a tags filter would miss its base.
  const delta =
    req.delta === true &&
    options.allowed_delta_types.includes('fossil') &&
    (recoverable || positioned) &&
    req.filter === undefined;
  return { recoverable, positioned, pushJoinLeave, serverSide: req.serverSide, filter: req.filter, delta };
}

/** Registers the subscription and computes its reply. The subscription stays buffered until `activateSubscription`. */
export async function prepareSubscription(
  ctx: SetupContext,
  conn: Session,
  req: SubscriptionRequest,
): Promise<PreparedSubscription> {
  // Replacing a subscription would leave the old one in the hub with nobody to remove it.
  if (conn.subs.has(req.channel)) throw new CommandError(ErrorCode.AlreadySubscribed);
  const sub = new ClientSubscription(
    conn,
    req.channel,
    req.options,
    traits(ctx, conn, req),
    conn.clientInfo(req.chanInfo),
  );
  conn.subs.set(sub);
  sub.serverRefresh = req.serverRefresh === true;
  if (req.expiresAt !== undefined && req.expiresAt > 0) conn.setSubscriptionExpiry(sub, req.expiresAt);
  try {
    await ctx.hub.add(sub);
    const result: SubscribeResult = {};
    // Centrifugo echoes `recover` even where nothing can be recovered.
    const recovering = req.recover === true || (sub.recoverable && autoCacheRecover(req));
    if (recovering) result.was_recovering = true;
    if (sub.delta) result.delta = true;
    if (sub.tracksPosition) await readPosition(ctx, conn, sub, req, recovering && sub.recoverable, result);
    // The reply's recovered publications end in the client's delta base.
    const last = result.publications?.at(-1);
    if (sub.delta && last !== undefined) {
      sub.hasDeltaBase = true;
      ctx.hub.seedDeltaBase(sub.channel, last, result.epoch);
    }
    // A subscription the node refreshes tells the client no expiry (centrifuge `ClientSideRefresh`).
    if (sub.expiresAt > 0 && !sub.serverRefresh) {
      result.expires = true;
      result.ttl = ttlSeconds(sub.expiresAt);
    }
    if (req.data !== undefined) result.data = req.data;
    return { sub, result };
  } catch (error) {
    if (conn.subs.get(req.channel) === sub) conn.subs.delete(req.channel);
    ctx.hub.remove(sub);
    throw error;
  }
}

/** `auto_cache_recover` applies (it is only valid with `force_recovery` in cache mode). */
function autoCacheRecover(req: SubscriptionRequest): boolean {
  return req.autoCacheRecover !== false && req.options.auto_cache_recover && cacheMode(req.options);
}

async function readPosition(
  ctx: SetupContext,
  conn: Session,
  sub: ClientSubscription,
  req: SubscriptionRequest,
  recovering: boolean,
  result: SubscribeResult,
): Promise<void> {
  const { history } = ctx;
  let position: StreamPosition;
  if (recovering) {
    const from = { offset: req.offset ?? 0, epoch: req.epoch ?? '' };
    const cache = cacheMode(sub.options);
    const max = ctx.config.client.recovery_max_publication_limit;
    const read = await (cache ? recoverCache : recoverStream)(
      history,
      sub.channel,
      sub.options,
      from,
      max,
      req.filter,
    );
    const recovered = read.recovered && claimReplyRoom(ctx, conn, sub, read.publications);
    ctx.onRecovery(recovered);
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
function claimReplyRoom(
  ctx: SetupContext,
  conn: Session,
  sub: ClientSubscription,
  pubs: readonly Publication[],
): boolean {
  if (pubs.length === 0) return true;
  let claimed = 0;
  for (const other of conn.subs.values()) {
    if (other !== sub && other.buffer !== null) claimed += replyClaims.get(other) ?? 0;
  }
  const bytes = publicationsBytes(pubs);
  if (claimed + bytes > replyBudget(ctx.config.client)) return false;
  replyClaims.set(sub, bytes);
  return true;
}

/** Call right after the reply is queued: delivers what arrived meanwhile and makes the subscription live. */
export function activateSubscription(ctx: SetupContext, conn: Session, sub: ClientSubscription): void {
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
      if (sub.delta) {
        // In full, in the form a delta subscriber reads; it is the base of the next one.
        conn.enqueue(conn.encoding.deltaPublicationPush(sub.channel, pub, epoch, undefined));
        sub.hasDeltaBase = true;
      } else {
        conn.enqueue(conn.encoding.publicationPush(sub.channel, pub, epoch));
      }
    }
  }
  ctx.activated(sub);
}
