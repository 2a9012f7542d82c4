/** Maps token verification failures onto protocol outcomes. */
import { TokenError } from '../../auth/token-error.js';
import type { SubscriptionTokenClaims } from '../../auth/types.js';
import { DisconnectCode, ErrorCode } from '../../protocol/codes.js';
import type { Connection } from '../connection.js';
import { CommandError, DisconnectError } from '../errors.js';

/**
 * The answer while a token's keys cannot be had (the JWKS endpoint is down): error 100, which
 * carries `temporary: true`, so the SDK retries the same command — Centrifugo's answer to any
 * failure that is not the token's fault. Never the final 3500: the token may be perfectly good.
 */
export const keysUnavailable = (): CommandError =>
  new CommandError(ErrorCode.Internal, 'token keys unavailable, retry later');

/**
 * Throws 109 for an expired token, the temporary 100 when its keys are unavailable, else the given
 * outcome for an invalid one.
 */
export function tokenFailure(error: unknown, invalid: CommandError | DisconnectError): never {
  if (error instanceof TokenError && error.code === 'TOKEN_EXPIRED') {
    throw new CommandError(ErrorCode.TokenExpired);
  }
  if (error instanceof TokenError && error.code === 'KEYS_UNAVAILABLE') throw keysUnavailable();
  if (error instanceof TokenError) throw invalid;
  throw error;
}

/** Verifies a subscription token for this connection and channel. */
export async function verifySubscriptionToken(
  conn: Connection,
  channel: string,
  token: string,
): Promise<SubscriptionTokenClaims> {
  let claims: SubscriptionTokenClaims;
  try {
    claims = await conn.node.verifier.verifySubscriptionToken(token);
  } catch (error) {
    tokenFailure(
      error,
      new CommandError(ErrorCode.PermissionDenied, 'permission denied: invalid subscription token'),
    );
  }
  if (claims.channel !== channel || claims.sub !== conn.user) {
    throw new CommandError(
      ErrorCode.PermissionDenied,
      'permission denied: token is for another channel or user',
    );
  }
  return claims;
}

/**
 * Whole seconds left until an expiry (Unix ms), never negative: the `ttl` clients are told. Always
 * a finite integer, because replies splice it into JSON text where Infinity or NaN would make the
 * frame unreadable; token dates are bounded by the verifier, so the clamp is a last line only.
 */
export function ttlSeconds(expiresAt: number): number {
  const seconds = Math.floor((expiresAt - Date.now()) / 1000);
  return Number.isFinite(seconds) ? Math.max(0, seconds) : 0;
}

/** Unix seconds to Unix ms; 0 when absent. */
export function expiryMs(exp: number | undefined): number {
  if (exp === undefined) return 0;
  // The verifier refuses non-finite dates; one reaching here is a bug, not a client's doing.
  if (!Number.isFinite(exp)) throw new RangeError(`token expiry must be finite, got ${exp}`);
  return exp * 1000;
}

export const invalidTokenDisconnect = (): DisconnectError => new DisconnectError(DisconnectCode.InvalidToken);
