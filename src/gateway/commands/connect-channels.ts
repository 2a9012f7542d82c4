/**
 * The channels a connection is subscribed to server-side when it connects: the token's `channels`
 * claim, the user's personal channel and the channels of `connect.subs` it may join, checked the way
 * Centrifugo checks them (`VerifyConnectToken` and `OnClientConnecting` of centrifugo v6,
 * `connectCmd` of centrifuge); and whether a refreshed token still asks for the same ones.
 */
import type { ChannelRules } from '../../auth/channel-rules.js';
import { canRejoinAtConnect } from '../../auth/permissions.js';
import type { ConnectTokenClaims } from '../../auth/types.js';
import { DisconnectCode, ErrorCode } from '../../protocol/codes.js';
import { CommandError, DisconnectError } from '../../protocol/errors.js';
import type { Session } from '../session.js';
import type { CommandContext } from './context.js';

/**
 * The first of a token's channels whose namespace is not configured, if any. Such a token fails
 * `connect` and `refresh` with 102 in Centrifugo rather than connecting without the channel.
 */
export function unknownTokenChannel(rules: ChannelRules, channels: readonly string[] | undefined) {
  return channels?.find((channel) => channel !== '' && rules.namespaceOf(channel) === null);
}

/**
 * The channels of `connect.subs` the client may join again server-side (the SDKs send the
 * server-side subscriptions they held, such as ones the server API made): those it could subscribe
 * to itself. An unknown namespace closes the connection with 3501, as in Centrifugo.
 */
function rejoinedChannels(ctx: CommandContext, user: string, requested: readonly string[]): string[] {
  const rules = ctx.rules;
  const joined: string[] = [];
  for (const channel of requested) {
    if (channel === '') continue;
    const ns = rules.namespaceOf(channel);
    if (ns === null) {
      throw new DisconnectError(
        DisconnectCode.BadRequest,
        'bad request: connect subs name an unknown channel',
      );
    }
    if (rules.validate(channel) !== null) continue;
    const rule = {
      user,
      channel,
      options: ns.options,
      subscribed: false,
      hasSubscriptionToken: false,
      rules,
    };
    if (ctx.config.client.insecure || canRejoinAtConnect(rule)) joined.push(channel);
  }
  return joined;
}

/**
 * The server-side channels of a connecting user, without duplicates: the token's `channels`, the
 * personal channel, then the channels of `connect.subs` the client may join itself. Refuses with
 * error 102 a `channels` claim naming an unknown namespace, or a personal channel in one, and
 * closes with 3505 (channel limit) when there are more than `client.channel_limit`: the
 * application's token asks for something the server cannot give, and connecting with part of it
 * would hide that. An empty name is skipped (Centrifugo skips it too), so is one over
 * `channel.max_length`.
 */
export function serverSideChannels(
  ctx: CommandContext,
  claims: ConnectTokenClaims,
  requested: readonly string[] = [],
): string[] {
  const rules = ctx.rules;
  if (unknownTokenChannel(rules, claims.channels) !== undefined) {
    throw new CommandError(ErrorCode.UnknownChannel, 'unknown channel: in the token "channels" claim');
  }
  const channels = new Set<string>(claims.channels ?? []);
  const personal = ctx.config.client.subscribe_to_user_personal_channel;
  if (personal.enabled && claims.sub !== '') {
    const channel = rules.personalChannel(claims.sub);
    if (rules.namespaceOf(channel) === null) {
      throw new CommandError(ErrorCode.UnknownChannel, 'unknown channel: the personal channel namespace');
    }
    channels.add(channel);
  }
  for (const channel of rejoinedChannels(ctx, claims.sub, requested)) channels.add(channel);
  const valid = [...channels].filter((channel) => rules.validate(channel) === null);
  const limit = ctx.config.client.channel_limit;
  if (limit > 0 && valid.length > limit) throw new DisconnectError(DisconnectCode.ChannelLimit);
  return valid;
}

/** The channels each connection was subscribed to because its connection token named them. */
const fromToken = new WeakMap<Session, ReadonlySet<string>>();

/** Notes the channels of the token a connection connected with (after its subscriptions are made). */
export function rememberTokenChannels(session: Session, claims: ConnectTokenClaims): void {
  if (claims.channels !== undefined && claims.channels.length > 0)
    fromToken.set(session, new Set(claims.channels));
}

/**
 * Whether a refreshed token's `channels` differ from what the connection holds from its token: a
 * channel it names is not subscribed, or one subscribed from the token is no longer named. Centrifugo
 * then closes the connection with 3010 (insufficient state), so the client reconnects and gets the
 * server-side subscriptions of the new token (centrifugo `tokenChannelsChanged`). Names the connect
 * would skip (empty, over `channel.max_length`) are left out, so they cannot make a loop of it.
 */
export function tokenChannelsChanged(
  rules: ChannelRules,
  session: Session,
  channels: readonly string[] | undefined,
): boolean {
  const named = new Set((channels ?? []).filter((channel) => rules.validate(channel) === null));
  for (const channel of named) if (!session.subs.has(channel)) return true;
  for (const channel of fromToken.get(session) ?? []) {
    if (session.subs.has(channel) && !named.has(channel)) return true;
  }
  fromToken.set(session, named);
  return false;
}
