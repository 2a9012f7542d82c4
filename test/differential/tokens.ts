/** Connection and subscription tokens (HS256 JWTs), signed the same way for both servers. */
import { SignJWT } from 'jose';
import { HMAC_SECRET } from './config.js';

/** JWT claims; `sub: undefined` leaves the claim out. */
export type Claims = Record<string, unknown>;

/** Signs `claims` with HS256 and `secret` (the servers' secret unless given). */
export async function sign(claims: Claims, secret = HMAC_SECRET): Promise<string> {
  const present = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
  return new SignJWT(present)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}
