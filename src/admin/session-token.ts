/**
 * Admin session tokens: `<expiry in Unix ms, base 36>.<HMAC-SHA256 of it, base64url>`, signed with
 * `admin.secret` (or a random secret per process). They carry nothing but their expiry.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a login lasts. */
export const SESSION_TTL_MS = 60 * 60 * 1000;

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export class AdminSessions {
  private readonly secret: Buffer;
  private readonly passwordDigest: Buffer;

  /** @param secret empty: a random one, so tokens are valid on this process only. */
  constructor(password: string, secret: string) {
    this.passwordDigest = digest(password);
    this.secret = secret === '' ? randomBytes(32) : Buffer.from(secret);
  }

  /** Compares digests in constant time, so the time taken says nothing about the password. */
  passwordMatches(given: string): boolean {
    return timingSafeEqual(digest(given), this.passwordDigest);
  }

  issue(now = Date.now()): string {
    const body = (now + SESSION_TTL_MS).toString(36);
    return `${body}.${this.sign(body)}`;
  }

  verify(token: string, now = Date.now()): boolean {
    const dot = token.indexOf('.');
    if (dot <= 0) return false;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    const expiry = Number.parseInt(body, 36);
    return Number.isFinite(expiry) && expiry > now;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
