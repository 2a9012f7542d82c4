import { canSubscribe } from '../../auth/permissions.js';
import type { ChannelOptions } from '../../config/types.js';
import { ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import {
  optionalBoolean,
  optionalInteger,
  optionalString,
  type Params,
  requireString,
} from '../../protocol/params.js';
import type { Command } from '../../protocol/types.js';
import { expiryMs } from '../expiry.js';
import type { SubscribeProxyOutcome } from '../proxy-port.js';
import type { Session } from '../session.js';
import { FLAG_REJECT_UNRECOVERED } from '../subscriptions/setup.js';
import { subscribe } from '../subscriptions/subscribe.js';
import { authorize, resolveChannel } from './channel-access.js';
import type { CommandContext } from './context.js';
import { optionalPayload, withOverride } from './proxy-fields.js';
import {
  checkStreamType,
  checkSubscriptionKind,
  checkUnknownType,
  decodeSubscribeExtras,
  tagsFilterOf,
} from './request-fields.js';
import { verifySubscriptionToken } from './tokens.js';

/** Not subscribed to the channel yet, and below the channel limit. */
function checkRoom(ctx: CommandContext, session: Session, channel: string): void {
  if (session.subs.has(channel)) throw new CommandError(ErrorCode.AlreadySubscribed);
  if (!ctx.subscriptions.hasRoom(session)) {
    throw new CommandError(ErrorCode.LimitExceeded, 'limit exceeded: too many channels on this connection');
  }
}

/** `subscribe`: permission, limits, optional subscription token, then position or recovery. */
export async function handleSubscribe(session: Session, cmd: Command, ctx: CommandContext): Promise<void> {
  const p = cmd.params;
  // Map, shared-poll, delta and tags-filter fields, refused or applied in Centrifugo's order.
  const extras = decodeSubscribeExtras(p);
  const channel = requireString(p, 'channel');
  checkSubscriptionKind(extras);
  const options = resolveChannel(ctx.rules, channel);
  checkRoom(ctx, session, channel);
  checkStreamType(extras);
  const token = optionalString(p, 'token');
  const claims = token ? await verifySubscriptionToken(ctx, session, channel, token) : undefined;
  // While the token was checked the socket may have gone, or the server API subscribed the channel.
  if ((session.state as string) === 'closed') return;
  checkRoom(ctx, session, channel);
  let proxied: SubscribeProxyOutcome | undefined;
  if (claims === undefined && usesSubscribeProxy(ctx, channel, options)) {
    proxied = await askSubscribeProxy(ctx, session, channel, options, p);
    if ((session.state as string) === 'closed') return;
    checkRoom(ctx, session, channel);
  } else {
    authorize(ctx, session, channel, options, canSubscribe, claims !== undefined);
  }
  const filter = tagsFilterOf(extras, options.allow_tags_filter);
  checkUnknownType(extras);
  const flag = optionalInteger(p, 'flag', 0) ?? 0;
  const offset = optionalInteger(p, 'offset', 0);
  const expiresAt = claims !== undefined ? expiryMs(claims.exp) : proxiedExpiry(proxied);
  const request = {
    channel,
    options: withOverride(options, proxied?.override),
    recover: optionalBoolean(p, 'recover'),
    epoch: optionalString(p, 'epoch'),
    offset,
    recoverable: optionalBoolean(p, 'recoverable'),
    positioned: optionalBoolean(p, 'positioned'),
    joinLeave: optionalBoolean(p, 'join_leave'),
    rejectUnrecovered: (flag & FLAG_REJECT_UNRECOVERED) !== 0,
    chanInfo: claims !== undefined ? claims.info : proxied?.info,
    data: proxied?.data,
    serverSide: false,
    expiresAt,
    // The namespace's sub_refresh proxy refreshes expiring subscriptions on the node.
    serverRefresh: options.sub_refresh_proxy_enabled && ctx.proxies !== undefined,
    filter,
    delta: extras.delta === 'fossil',
  };
  await subscribe(ctx.subscriptions, session, request, (result) =>
    session.reply(cmd.id, 'subscribe', result),
  );
}

/**
 * Whether the subscribe proxy decides this subscribe (one without a token): where the namespace
 * turns it on, except for a user-limited channel (`dialog#42,43`), which its user list decides, as
 * in Centrifugo. A private channel needs a token whatever the proxy would say.
 */
function usesSubscribeProxy(ctx: CommandContext, channel: string, options: ChannelOptions): boolean {
  if (!options.subscribe_proxy_enabled) return false;
  if (ctx.rules.isPrivate(channel)) throw new CommandError(ErrorCode.PermissionDenied);
  return !(options.allow_user_limited_channels && ctx.rules.allowedUsers(channel) !== null);
}

async function askSubscribeProxy(
  ctx: CommandContext,
  session: Session,
  channel: string,
  options: ChannelOptions,
  params: Params,
): Promise<SubscribeProxyOutcome> {
  if (ctx.proxies === undefined) throw new CommandError(ErrorCode.NotAvailable);
  return ctx.proxies.subscribe(
    options.subscribe_proxy_name,
    session,
    channel,
    undefined,
    optionalPayload(params),
  );
}

/** The subscription expiry the backend gave (Unix ms, 0: none); one already past is refused with 110. */
function proxiedExpiry(proxied: SubscribeProxyOutcome | undefined): number {
  const at = expiryMs(proxied === undefined || proxied.expireAt === 0 ? undefined : proxied.expireAt);
  if (at > 0 && at <= Date.now()) throw new CommandError(ErrorCode.Expired);
  return at;
}

/** `unsubscribe`: always succeeds, subscribed or not. */
export function handleUnsubscribe(session: Session, cmd: Command, ctx: CommandContext): void {
  const channel = requireString(cmd.params, 'channel');
  const sub = session.subs.get(channel);
  if (sub !== undefined) ctx.subscriptions.remove(session, sub);
  session.reply(cmd.id, 'unsubscribe', {});
}
