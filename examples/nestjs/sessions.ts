/**
 * The example's users and login sessions, in memory: `login()` hands out an opaque API token,
 * used either as `Authorization: Bearer <token>` or as the `session` cookie, until `logout()`.
 * A real application would keep sessions in its database and hash its users' passwords.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';

export type Role = 'customer' | 'staff';

export interface User {
  id: string;
  name: string;
  role: Role;
}

/** The demo users and their passwords. */
const USERS: ReadonlyArray<User & { password: string }> = [
  { id: 'alice', name: 'Alice', role: 'customer', password: 'alice-password' },
  { id: 'bob', name: 'Bob', role: 'staff', password: 'bob-password' },
];

export const SESSION_COOKIE = 'session';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The value of one cookie in a `Cookie` header. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

@Injectable()
export class SessionsService {
  /** Token → user id. */
  private readonly sessions = new Map<string, string>();

  /** A new token for the user, or undefined when the password is wrong. */
  login(userId: string, password: string): string | undefined {
    const user = USERS.find((u) => u.id === userId);
    // Compare digests so that the comparison takes the same time whatever the password.
    if (user === undefined || !timingSafeEqual(digest(password), digest(user.password))) return undefined;
    const token = randomBytes(24).toString('base64url');
    this.sessions.set(token, user.id);
    return token;
  }

  logout(token: string): boolean {
    return this.sessions.delete(token);
  }

  user(id: string): User | undefined {
    const found = USERS.find((u) => u.id === id);
    return found === undefined ? undefined : { id: found.id, name: found.name, role: found.role };
  }

  /** The token a request carries: `Authorization: Bearer <token>`, else the `session` cookie. */
  tokenOf(headers: { authorization?: string | undefined; cookie?: string | undefined }): string | undefined {
    const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
    return bearer?.[1] ?? cookieValue(headers.cookie, SESSION_COOKIE);
  }

  /**
   * The user the request's credentials belong to: `undefined` without credentials, `null` with
   * credentials that name no live session.
   */
  authenticate(headers: {
    authorization?: string | undefined;
    cookie?: string | undefined;
  }): User | null | undefined {
    const token = this.tokenOf(headers);
    if (token === undefined) return undefined;
    const id = this.sessions.get(token);
    return (id === undefined ? undefined : this.user(id)) ?? null;
  }
}
