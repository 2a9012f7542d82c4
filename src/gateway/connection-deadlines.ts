/**
 * The deadlines of one connection in the node's shared timer wheel: stale until it connects (or
 * dropped after a refused connect), then ping, pong, the connection's token expiry and its
 * subscriptions' expiries, whichever comes first.
 *
 * `Connection` extends this class: the state lives on the connection object itself and the
 * methods on its prototype chain, so moving them here costs no object per connection and no
 * indirection per deadline or per frame. What a deadline does to the connection (close it, queue
 * a ping, end or refresh subscriptions) is the connection's, declared abstract here.
 */

import { DisconnectCode } from '../protocol/codes.js';
import type { Encoding } from '../protocol/encoding.js';
import type { ConnectionHost } from './connection-host.js';
import type { SessionState } from './session.js';
import type { SubscriptionTable } from './subscription-table.js';
import type { WheelItem } from './timer-wheel.js';

export abstract class ConnectionDeadlines implements WheelItem {
  wheelSlot = -1;
  serverRefresh = false;
  protected current: SessionState = 'opening';
  /** Token expiry, Unix ms (0: never). */
  protected expiry = 0;
  /** A node-side refresh (connection or subscription) is waiting for the backend. */
  protected refreshing = false;
  protected pingSentAt = 0;
  private nextPingAt = 0;
  /** When the connection goes stale unless it connects (Unix ms). */
  protected readonly staleAt: number;

  abstract readonly subs: SubscriptionTable;
  /** A command is running (a connect waiting for its token check is not stale). */
  protected abstract processing: boolean;
  /** `connect` failed with an error reply: the connection is dropped at its deadline. */
  protected abstract refused: boolean;

  constructor(
    protected readonly host: ConnectionHost,
    /** The client protocol's encoding, chosen at the handshake. */
    readonly encoding: Encoding,
  ) {
    this.staleAt = Date.now() + host.config.client.stale_close_delay;
  }

  abstract close(code: DisconnectCode, reason?: string): void;
  abstract enqueue(frame: Buffer): void;
  /** Asks the backend about the expired connection and subscriptions the node refreshes itself. */
  protected abstract refreshOnNode(): void;
  /** Ends (or has the node refresh) the subscriptions whose token expired. */
  protected abstract expireSubscriptions(now: number): void;

  /** The connect command succeeded: start pinging. */
  markConnected(): void {
    this.current = 'connected';
    this.nextPingAt = Date.now() + this.host.config.client.ping_interval;
    this.reschedule();
  }

  /** Re-evaluates the connection's next deadline after an expiry changed. */
  protected reschedule(): void {
    if (this.current !== 'connected') return;
    const client = this.host.config.client;
    let at = this.nextPingAt;
    if (this.pingSentAt > 0) at = Math.min(at, this.pingSentAt + client.pong_timeout);
    // A connection the node refreshes itself is due at its expiry; one the client refreshes gets a grace.
    // While the backend is asked, the refreshed expiries wait for its answer.
    const waiting = this.refreshing;
    if (this.expiry > 0 && !(this.serverRefresh && waiting)) {
      at = Math.min(at, this.expiry + (this.serverRefresh ? 0 : client.expired_close_delay));
    }
    for (const sub of this.subs.values()) {
      if (sub.expiresAt === 0 || (sub.serverRefresh && waiting)) continue;
      at = Math.min(at, sub.expiresAt + (sub.serverRefresh ? 0 : client.expired_close_delay));
    }
    this.host.wheel.schedule(this, at);
  }

  onDeadline(now: number): void {
    const client = this.host.config.client;
    if (this.current === 'opening') {
      // A connect that arrived in time but waits for its token check (a slow key source) is not stale.
      if (this.processing) this.host.wheel.schedule(this, now + client.stale_close_delay);
      // A refused connect was sent in time: dropped, never told to stop (3502 is terminal for the SDKs).
      else if (this.refused) this.close(DisconnectCode.ConnectionClosed);
      else this.close(DisconnectCode.Stale);
      return;
    }
    if (this.current !== 'connected') return;
    if (this.serverRefresh && this.expiry > 0 && now >= this.expiry) {
      this.refreshOnNode();
    } else if (this.expiry > 0 && now >= this.expiry + client.expired_close_delay) {
      this.close(DisconnectCode.Expired);
      return;
    }
    if (this.pingSentAt > 0 && now >= this.pingSentAt + client.pong_timeout) {
      this.close(DisconnectCode.NoPong);
      return;
    }
    this.expireSubscriptions(now);
    if (now >= this.nextPingAt) {
      this.enqueue(this.encoding.ping);
      // A unidirectional client never answers: the ping only keeps its stream alive.
      if (this.encoding.unidirectional !== true) this.pingSentAt = now;
      this.nextPingAt = now + client.ping_interval;
    }
    this.reschedule();
  }
}
