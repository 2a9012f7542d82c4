/**
 * The seam between the commands and the connection that carries them: what a command handler, the
 * subscribe routine and the server API's user operations may read and change on one client
 * session. `Connection` implements it over any `Transport`; nothing here knows about WebSocket.
 */
import type { DisconnectCode } from '../protocol/codes.js';
import type { Encoding, ReplyMethod, ReplyResults } from '../protocol/encoding.js';
import type { ClientInfo, RawJson } from '../protocol/types.js';
import type { ClientSubscription, SubscriptionOwner } from './client-subscription.js';
import type { ForwardedHeaders } from './forwarded-headers.js';
import type { SubscriptionTable } from './subscription-table.js';

/** Where a session is: before `connect`, connected, or gone. */
export type SessionState = 'opening' | 'connected' | 'closed';

/** Who a session is, from its connection token and its `connect` command. */
export interface SessionIdentity {
  user: string;
  /** Connection info from the token, shown to others. */
  info: unknown;
  /** The client's `name` and `version` from `connect`. */
  name: string;
  version: string;
}

/** One client session, as the commands see it. */
export interface Session extends SubscriptionOwner {
  readonly id: string;
  /** The emulation session id (HTTP streaming, SSE), '' on other transports. */
  readonly streamSession: string;
  readonly user: string;
  readonly info: unknown;
  readonly name: string;
  readonly version: string;
  readonly state: SessionState;
  /** The transport as proxies name it: `websocket`, `http_stream`, `sse`, `uni_websocket`, … */
  readonly transportName: string;
  /** Connection meta (JSON text) from the connect or refresh proxy, sent to later proxies where configured. */
  meta: RawJson | undefined;
  /** The allow-listed headers of the HTTP request that opened the connection (for proxies). */
  readonly forwardedHeaders: ForwardedHeaders | undefined;
  /** The allow-listed emulated headers of the `connect` command (for proxies); client-controlled. */
  emulatedHeaders: ForwardedHeaders | undefined;
  /**
   * The node refreshes the connection itself through the refresh proxy when it expires, instead of
   * waiting for the client's `refresh` (Centrifugo's `ClientSideRefresh: false`).
   */
  serverRefresh: boolean;
  readonly subs: SubscriptionTable;
  /**
   * Connection token expiry, Unix ms (0: never). Setting it moves the session's deadline in the
   * timer wheel, so the expiry is enforced without the caller knowing about deadlines.
   */
  expiresAt: number;
  /** Bytes queued for the client and not yet written. */
  readonly outboundBytes: number;
  /** Who this session is as shown in presence, join/leave and publications. */
  clientInfo(chanInfo?: unknown): ClientInfo;
  /** The client protocol's encoding: every frame queued to the session is in it. */
  readonly encoding: Encoding;
  /** Queues a frame in the session's encoding; all frames queued in one turn go out in one write. */
  enqueue(frame: Buffer): void;
  /** Queues the reply to command `id`. */
  reply<M extends ReplyMethod>(id: number, method: M, result: ReplyResults[M]): void;
  /** Ends the session with a disconnect code; its subscriptions are released at once. */
  close(code: DisconnectCode, reason?: string): void;
  /** Sets who the session is (at `connect`, before it is registered). */
  identify(identity: SessionIdentity): void;
  /** Replaces the connection info (a refreshed token may carry new info). */
  setInfo(info: unknown): void;
  /** `connect` succeeded: the session is connected and starts pinging. */
  markConnected(): void;
  /** Sets a subscription's token expiry (Unix ms, 0: none) and moves the session's deadline. */
  setSubscriptionExpiry(sub: ClientSubscription, expiresAt: number): void;
}
