/** Signs HMAC tokens (for `switchboard gentoken` and tests) and generates HMAC secrets. */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

/** HMAC algorithms {@link signToken} signs with. */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** Options of {@link signToken}. */
export interface SignTokenOptions {
  /** Default HS256. */
  alg?: HmacAlgorithm;
  /**
   * Sets `exp` to now plus this many seconds (negative gives an already expired token, for tests).
   * Without it the claims' own `exp`, if any, is kept.
   */
  expiresInSeconds?: number;
}

/**
 * Signs `claims` as a JWT with an HMAC secret (the `client.token.hmac_secret_key` of the gateway).
 * Adds `iat` when the claims have none.
 * @throws {RangeError} when the secret is empty or `expiresInSeconds` is not finite.
 */
export async function signToken(
  claims: Record<string, unknown>,
  secret: string,
  options: SignTokenOptions = {},
): Promise<string> {
  if (secret === '') throw new RangeError('the HMAC secret is empty; pass client.token.hmac_secret_key');
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { ...claims };
  if (payload['iat'] === undefined) payload['iat'] = now;
  if (options.expiresInSeconds !== undefined) {
    if (!Number.isFinite(options.expiresInSeconds)) {
      throw new RangeError(`expiresInSeconds must be a finite number, got ${options.expiresInSeconds}`);
    }
    payload['exp'] = now + Math.trunc(options.expiresInSeconds);
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

/**
 * A random secret for `client.token.hmac_secret_key`: `bytes` crypto-random bytes, base64url.
 * @throws {RangeError} when `bytes` is not an integer from 1 to 1024.
 */
export function generateSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1024) {
    throw new RangeError(`bytes must be an integer from 1 to 1024, got ${bytes}`);
  }
  return randomBytes(bytes).toString('base64url');
}
