/**
 * The node's sessions: every one that is open (handshaking or connected), and the authenticated
 * ones by client id and by user. The server API's user operations, surveys, the drain and the
 * metrics find sessions here; nothing else keeps a list of them.
 */
import type { Session } from './session.js';

/** What `connect` needs of the registry: the user's connection count, and (un)registering itself. */
export interface SessionDirectory {
  /** How many authenticated sessions the user has on this node. */
  userConnectionCount(user: string): number;
  /** A session authenticated: index it by client id and user. */
  register(session: Session): void;
  /** Undoes `register`: the session is no longer found by client id or user. */
  unregister(session: Session): void;
}

/** Told when a user's first authenticated session on this node registers and when their last one goes. */
export interface UserArrivals {
  userArrived(user: string): void;
  userLeft(user: string): void;
}

export class ConnectionRegistry implements SessionDirectory {
  private readonly open = new Set<Session>();
  private readonly clients = new Map<string, Session>();
  /** A user's sessions: the session itself while it is the only one (most users), saving a Set each. */
  private readonly users = new Map<string, Session | Set<Session>>();
  private arrivals: UserArrivals | undefined;

  /** Every session, open or still handshaking. */
  get size(): number {
    return this.open.size;
  }

  /** Authenticated sessions. */
  get numClients(): number {
    return this.clients.size;
  }

  /** Distinct users with an authenticated session. */
  get numUsers(): number {
    return this.users.size;
  }

  /** Tells `arrivals` from now on when a user's first session here registers and their last one goes. */
  watchUsers(arrivals: UserArrivals): void {
    this.arrivals = arrivals;
  }

  /** A new session, not authenticated yet. */
  track(session: Session): void {
    this.open.add(session);
  }

  /** Forgets a closed session: it is no longer open nor found by client id or user. */
  release(session: Session): void {
    this.open.delete(session);
    this.unregister(session);
  }

  register(session: Session): void {
    this.clients.set(session.id, session);
    const held = this.users.get(session.user);
    if (held === undefined) {
      this.users.set(session.user, session);
      this.arrivals?.userArrived(session.user);
    } else if (held instanceof Set) held.add(session);
    else if (held !== session) this.users.set(session.user, new Set([held, session]));
  }

  unregister(session: Session): void {
    if (this.clients.get(session.id) === session) this.clients.delete(session.id);
    const held = this.users.get(session.user);
    if (held === session) {
      this.users.delete(session.user);
      this.arrivals?.userLeft(session.user);
    } else if (held instanceof Set && held.delete(session)) {
      if (held.size === 1) this.users.set(session.user, held.values().next().value!);
    }
  }

  /** Every session, open or still handshaking, oldest first (a copy). */
  openSessions(): Session[] {
    return [...this.open];
  }

  /** Sessions that completed `connect`. */
  authenticated(): IterableIterator<Session> {
    return this.clients.values();
  }

  userConnectionCount(user: string): number {
    const held = this.users.get(user);
    return held === undefined ? 0 : held instanceof Set ? held.size : 1;
  }

  /** Sessions of a user on this node, optionally one client only. */
  userSessions(user: string, client?: string): Session[] {
    const held = this.users.get(user);
    if (held === undefined) return [];
    const all = held instanceof Set ? [...held] : [held];
    return client === undefined || client === '' ? all : all.filter((s) => s.id === client);
  }

  /** Bytes queued for clients and not yet written to their sockets, over every session. */
  outboundBytes(): number {
    let bytes = 0;
    for (const session of this.open) bytes += session.outboundBytes;
    return bytes;
  }
}
