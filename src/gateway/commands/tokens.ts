/** Maps token verification failures onto protocol outcomes. */
import { TokenError } from '../../auth/token-error.js';
import type { SubscriptionTokenClaims } from '../../auth/types.js';
import { DisconnectCode, ErrorCode } from '../../protocol/codes.js';
import { CommandError, DisconnectError } from '../../protocol/errors.js';
import type { Session } from '../session.js';
import type { CommandContext } from './context.js';

/**
 * The answer while a token's keys cannot be had (the JWKS endpoint is down): error 100, which
 * carries `temporary: true`, so the SDK retries the same command — Centrifugo's answer to any
 * failure that is not the token's fault. Never the final 3500: the token may be perfectly good.
 */
export const keysUnavailable = (): CommandError =>
  new CommandError(ErrorCode.Internal, 'token keys unavailable, retry later');

/**
 * Throws `expired` for an expired token (by default error 109; `refresh` closes with 3005 instead),
 * the temporary 100 when its keys are unavailable, else the given outcome for an invalid one.
 */
export function tokenFailure(
  error: unknown,
  invalid: CommandError | DisconnectError,
  expired: CommandError | DisconnectError = new CommandError(ErrorCode.TokenExpired),
): never {
  if (error instanceof TokenError && error.code === 'TOKEN_EXPIRED') throw expired;
  if (error instanceof TokenError && error.code === 'KEYS_UNAVAILABLE') throw keysUnavailable();
  if (error instanceof TokenError) throw invalid;
  throw error;
}

/** The refusal of a subscription token that does not verify, on `subscribe`: error 103. */
export const invalidSubscriptionToken = (): CommandError =>
  new CommandError(ErrorCode.PermissionDenied, 'permission denied: invalid subscription token');

/**
 * Verifies a subscription token for this connection and channel, with Centrifugo's outcomes
 * (`OnSubscribe` / `OnSubRefresh` of centrifugo v6): `invalid` for a token that does not verify
 * (by default error 103, the answer on subscribe; sub_refresh passes disconnect 3500), 109 when expired, 102 when its channel
 * is in an unknown namespace, and disconnect 3500 when it was issued for another channel, user or
 * connection — a token that verifies but names someone else is never a permission question.
 */
export async function verifySubscriptionToken(
  ctx: CommandContext,
  session: Session,
  channel: string,
  token: string,
  invalid: CommandError | DisconnectError = invalidSubscriptionToken(),
): Promise<SubscriptionTokenClaims> {
  let claims: SubscriptionTokenClaims;
  try {
    claims = await ctx.verifier.verifySubscriptionToken(token);
  } catch (error) {
    tokenFailure(error, invalid);
  }
  if (ctx.rules.namespaceOf(claims.channel) === null) {
    throw new CommandError(ErrorCode.UnknownChannel);
  }
  if (claims.channel !== channel) {
    throw new DisconnectError(DisconnectCode.InvalidToken, 'invalid token: issued for another channel');
  }
  if (claims.sub !== session.user) {
    throw new DisconnectError(DisconnectCode.InvalidToken, 'invalid token: issued for another user');
  }
  if (claims.client !== undefined && claims.client !== session.id) {
    throw new DisconnectError(DisconnectCode.InvalidToken, 'invalid token: issued for another client');
  }
  return claims;
}

export const invalidTokenDisconnect = (): DisconnectError => new DisconnectError(DisconnectCode.InvalidToken);
