/**
 * Sets up a subscription without losing or repeating a publication. The subscription joins the hub
 * first and buffers what arrives; then the stream position is read (and the gap since the client's
 * position, when it recovers); the reply is queued; then buffered publications newer than the
 * position follow as pushes. The client sees every publication once, in order, or `recovered: false`.
 */
import type { ChannelOptions } from '../config/types.js';
import { ErrorCode } from '../protocol/codes.js';
import { encodePublicationPush } from '../protocol/encode.js';
import type { Publication, SubscribeResult } from '../protocol/types.js';
import { ClientSubscription } from './client-subscription.js';
import type { Connection } from './connection.js';
import { CommandError } from './errors.js';
import { ttlSeconds } from './handlers/tokens.js';
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

/** Registers the subscription and computes its reply. The subscription stays buffered until `activateSubscription`. */
export async function prepareSubscription(
  conn: Connection,
  req: SubscriptionRequest,
): Promise<{ sub: ClientSubscription; result: SubscribeResult }> {
  const node = conn.node;
  // Replacing a subscription would leave the old one in the hub with nobody to remove it.
  if (conn.subs.has(req.channel)) throw new CommandError(ErrorCode.AlreadySubscribed);
  const { options } = req;
  const history = historyEnabled(options);
  const recoverable =
    history && (options.force_recovery || (options.allow_recovery && req.recoverable === true));
  const positioned =
    history && (options.force_positioning || (options.allow_positioning && req.positioned === true));
  const pushJoinLeave = options.join_leave && (options.force_push_join_leave || req.joinLeave === true);
  const sub = new ClientSubscription(
    conn,
    req.channel,
    options,
    { recoverable, positioned, pushJoinLeave, serverSide: req.serverSide, filter: req.filter },
    conn.clientInfo(req.chanInfo),
  );
  sub.expiresAt = req.expiresAt ?? 0;
  conn.subs.set(sub);
  if (sub.expiresAt > 0) conn.reschedule();
  try {
    await node.hub.add(sub);
    const result: SubscribeResult = {};
    if (sub.tracksPosition) await readPosition(conn, sub, req, result);
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

async function readPosition(
  conn: Connection,
  sub: ClientSubscription,
  req: SubscriptionRequest,
  result: SubscribeResult,
): Promise<void> {
  const node = conn.node;
  const metaTtl = sub.options.history_meta_ttl;
  const max = node.config.client.recovery_max_publication_limit;
  if (sub.recoverable && req.recover === true) {
    const since = req.offset ?? 0;
    // One more than the cap tells "too many" from "exactly the cap"; 0 means no cap.
    const limit = max === 0 ? -1 : max + 1;
    const read = await node.engine.history.history(sub.channel, { limit, since: { offset: since } }, metaTtl);
    const pubs = read.publications;
    const continuous = pubs.length === 0 ? read.position.offset === since : pubs[0]!.offset === since + 1;
    const recovered =
      read.position.epoch === req.epoch &&
      continuous &&
      (max === 0 || pubs.length <= max) &&
      claimReplyRoom(conn, sub, pubs);
    node.metrics?.recovery(recovered);
    if (!recovered && req.rejectUnrecovered === true) {
      throw new CommandError(ErrorCode.UnrecoverablePosition);
    }
    if (recovered && pubs.length > 0) result.publications = pubs;
    result.recovered = recovered;
    result.was_recovering = true;
    sub.offset = read.position.offset;
    sub.epoch = read.position.epoch;
  } else {
    const read = await node.engine.history.history(sub.channel, { limit: 0 }, metaTtl);
    sub.offset = read.position.offset;
    sub.epoch = read.position.epoch;
  }
  if (sub.recoverable) result.recoverable = true;
  if (sub.positioned) result.positioned = true;
  result.epoch = sub.epoch;
  result.offset = sub.offset;
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
      conn.send(encodePublicationPush(sub.channel, pub));
    }
  }
  conn.node.onSubscribed(sub);
}
