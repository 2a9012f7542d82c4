/**
 * HS256 connection tokens for bench clients, signed synchronously with node:crypto: thousands of clients
 * get their tokens in milliseconds (the general signer in src/auth is asynchronous and slower per token).
 */
import { createHmac } from 'node:crypto';

const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

/** A token for user `sub`, valid for `ttlSeconds`. */
export function benchToken(sub: string, secret: string, ttlSeconds = 24 * 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(JSON.stringify({ sub, iat: now, exp: now + ttlSeconds })).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}
