/**
 * `refresh` and `sub_refresh`: a client-side token refresh, answered as Centrifugo answers it
 * (`handleRefresh` / `handleSubRefresh` of centrifuge and `OnRefresh` / `OnSubRefresh` of
 * centrifugo v6).
 */
import { DisconnectCode, ErrorCode } from '../../protocol/codes.js';
import { CommandError, DisconnectError } from '../../protocol/errors.js';
import { type Params, requireString } from '../../protocol/params.js';
import type { Command, SubRefreshResult } from '../../protocol/types.js';
import { expiryMs, ttlSeconds } from '../expiry.js';
import type { Session } from '../session.js';
import { tokenChannelsChanged, unknownTokenChannel } from './connect-channels.js';
import type { CommandContext } from './context.js';
import { invalidTokenDisconnect, tokenFailure, verifySubscriptionToken } from './tokens.js';

/**
 * A field a refresh command cannot go without: missing or empty is a bad request that closes the
 * connection (3501), as in Centrifugo. The SDKs never send one; only a broken client does.
 */
function requireForRefresh(params: Params, field: string): string {
  const value = params[field];
  if (typeof value !== 'string' || value === '') {
    throw new DisconnectError(DisconnectCode.BadRequest, `bad request: ${field} required to refresh`);
  }
  return requireString(params, field);
}

/** `{expires, ttl}` of a refresh reply: only what Centrifugo's `RefreshResult` carries. */
function expiryResult(expiresAt: number): SubRefreshResult {
  return expiresAt > 0 ? { expires: true, ttl: ttlSeconds(expiresAt) } : {};
}

/**
 * `refresh`: a new connection token for the same user extends the connection. An expired token
 * closes the connection with 3005 (connection expired): the SDK reconnects and fetches a new token
 * for it, where an error reply would make it give up. Another user or an invalid token: 3500. A
 * token whose `channels` changed closes with 3010, so the client reconnects with it.
 */
export async function handleRefresh(session: Session, cmd: Command, ctx: CommandContext): Promise<void> {
  const token = requireForRefresh(cmd.params, 'token');
  let claims: Awaited<ReturnType<typeof ctx.verifier.verifyConnectToken>>;
  try {
    claims = await ctx.verifier.verifyConnectToken(token);
  } catch (error) {
    tokenFailure(error, invalidTokenDisconnect(), new DisconnectError(DisconnectCode.Expired));
  }
  const unknown = unknownTokenChannel(ctx.rules, claims.channels);
  if (unknown !== undefined) throw new CommandError(ErrorCode.UnknownChannel);
  if (claims.sub !== session.user) throw new DisconnectError(DisconnectCode.InvalidToken);
  if (tokenChannelsChanged(ctx.rules, session, claims.channels)) {
    throw new DisconnectError(DisconnectCode.InsufficientState, 'insufficient state: token channels changed');
  }
  if (claims.info !== undefined) session.setInfo(claims.info);
  session.expiresAt = expiryMs(claims.exp);
  session.reply(cmd.id, 'refresh', expiryResult(session.expiresAt));
}

/**
 * `sub_refresh`: a new subscription token extends one subscription. No channel: 3501; not
 * subscribed: 103; no token: 107; a token that does not verify, or is for another channel or user:
 * 3500. An expired token is refused with 109 (see docs/protocol.md: Centrifugo v6.9.1 answers `{}`
 * and lets the subscription live on without expiry).
 */
export async function handleSubRefresh(session: Session, cmd: Command, ctx: CommandContext): Promise<void> {
  const channel = requireForRefresh(cmd.params, 'channel');
  const sub = session.subs.get(channel);
  if (sub === undefined)
    throw new CommandError(ErrorCode.PermissionDenied, 'permission denied: not subscribed');
  const token = requireString(cmd.params, 'token');
  const claims = await verifySubscriptionToken(ctx, session, channel, token, invalidTokenDisconnect());
  session.setSubscriptionExpiry(sub, expiryMs(claims.exp));
  session.reply(cmd.id, 'sub_refresh', expiryResult(sub.expiresAt));
}
