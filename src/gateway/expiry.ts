/**
 * Expiry times of sessions and subscriptions: token dates (Unix seconds) become deadlines (Unix ms)
 * in the timer wheel, and deadlines become the `ttl` clients are told.
 */

/**
 * Whole seconds left until an expiry (Unix ms), never negative: the `ttl` clients are told. Always
 * a finite integer, because replies splice it into JSON text where Infinity or NaN would make the
 * frame unreadable; token dates are bounded by the verifier, so the clamp is a last line only.
 */
export function ttlSeconds(expiresAt: number): number {
  // Whole seconds of the expiry minus whole seconds of now, as Centrifugo counts (`exp - now.Unix()`):
  // a token expiring within the current second still has 1 left.
  const seconds = Math.floor(expiresAt / 1000) - Math.floor(Date.now() / 1000);
  return Number.isFinite(seconds) ? Math.max(0, seconds) : 0;
}

/** Unix seconds to Unix ms; 0 when absent. */
export function expiryMs(exp: number | undefined): number {
  if (exp === undefined) return 0;
  // The verifier refuses non-finite dates; one reaching here is a bug, not a client's doing.
  if (!Number.isFinite(exp)) throw new RangeError(`token expiry must be finite, got ${exp}`);
  return exp * 1000;
}
