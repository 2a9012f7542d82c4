import { canSubscribe } from '../../auth/permissions.js';
import { ErrorCode } from '../../protocol/codes.js';
import { encodeRawReply, encodeSubscribeResult } from '../../protocol/encode.js';
import type { Command } from '../../protocol/types.js';
import type { Connection } from '../connection.js';
import { CommandError } from '../errors.js';
import { expiryMs } from '../expiry.js';
import { optionalBoolean, optionalInteger, optionalString, requireString } from '../params.js';
import { activateSubscription, FLAG_REJECT_UNRECOVERED, prepareSubscription } from '../subscription-setup.js';
import { authorize, resolveChannel } from './channel-access.js';
import {
  checkStreamType,
  checkSubscriptionKind,
  checkUnknownType,
  decodeSubscribeExtras,
  tagsFilterOf,
} from './request-fields.js';
import { verifySubscriptionToken } from './tokens.js';

/** Not subscribed to the channel yet, and below the channel limit. */
function checkRoom(conn: Connection, channel: string): void {
  if (conn.subs.has(channel)) throw new CommandError(ErrorCode.AlreadySubscribed);
  if (!conn.node.hasChannelRoom(conn)) {
    throw new CommandError(ErrorCode.LimitExceeded, 'limit exceeded: too many channels on this connection');
  }
}

/** `subscribe`: permission, limits, optional subscription token, then position or recovery. */
export async function handleSubscribe(conn: Connection, cmd: Command): Promise<void> {
  const p = cmd.params;
  // Map, shared-poll, delta and tags-filter fields, refused or applied in Centrifugo's order.
  const extras = decodeSubscribeExtras(p);
  const channel = requireString(p, 'channel');
  checkSubscriptionKind(extras);
  const options = resolveChannel(conn, channel);
  checkRoom(conn, channel);
  checkStreamType(extras);
  const token = optionalString(p, 'token');
  const claims = token ? await verifySubscriptionToken(conn, channel, token) : undefined;
  // While the token was checked the socket may have gone, or the server API subscribed the channel.
  if ((conn.state as string) === 'closed') return;
  checkRoom(conn, channel);
  authorize(conn, channel, options, canSubscribe, claims !== undefined);
  const filter = tagsFilterOf(extras, options.allow_tags_filter);
  checkUnknownType(extras);
  const flag = optionalInteger(p, 'flag', 0) ?? 0;
  const offset = optionalInteger(p, 'offset', 0);
  const { sub, result } = await prepareSubscription(conn, {
    channel,
    options,
    recover: optionalBoolean(p, 'recover'),
    epoch: optionalString(p, 'epoch'),
    offset,
    recoverable: optionalBoolean(p, 'recoverable'),
    positioned: optionalBoolean(p, 'positioned'),
    joinLeave: optionalBoolean(p, 'join_leave'),
    rejectUnrecovered: (flag & FLAG_REJECT_UNRECOVERED) !== 0,
    chanInfo: claims?.info,
    serverSide: false,
    expiresAt: expiryMs(claims?.exp),
    filter,
  });
  if (conn.state === 'closed' || conn.subs.get(channel) !== sub) return;
  conn.send(encodeRawReply(cmd.id, 'subscribe', encodeSubscribeResult(result)));
  activateSubscription(conn, sub);
}

/** `unsubscribe`: always succeeds, subscribed or not. */
export function handleUnsubscribe(conn: Connection, cmd: Command): void {
  const channel = requireString(cmd.params, 'channel');
  const sub = conn.subs.get(channel);
  if (sub !== undefined) conn.node.removeSubscription(conn, sub);
  conn.send(encodeRawReply(cmd.id, 'unsubscribe', '{}'));
}
