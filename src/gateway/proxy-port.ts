/**
 * The port through which the commands ask the application's backend (the `proxy/` layer implements
 * it, over HTTP or gRPC). Each call has the semantics of Centrifugo v6's proxy handlers: a backend
 * error or disconnect is thrown as a `CommandError` / `DisconnectError` for the client; a backend
 * that is down, slow or answers garbage is a temporary error (100) for connect, subscribe, publish
 * and rpc, and a short extension for the refreshes, never a terminal code.
 */
import type { RawJson } from '../protocol/types.js';
import type { Session } from './session.js';

/** A payload as publications carry it: JSON text, or with `binary` the base64 of bytes. */
export interface ProxyPayload {
  data: RawJson;
  binary?: boolean;
}

/** Centrifugo's `SubscribeOptionOverride`: unset fields keep the namespace's option. */
export interface ChannelOverride {
  presence?: boolean;
  join_leave?: boolean;
  force_push_join_leave?: boolean;
  force_recovery?: boolean;
  force_positioning?: boolean;
}

/** A server-side subscription the connect proxy asks for (`channels` or `subs`). */
export interface ProxySubscription {
  /** Channel info (a JSON value) for this subscription. */
  info?: unknown;
  /** Data for the client in the subscription's result. */
  data?: unknown;
  override?: ChannelOverride;
}

export interface ConnectProxyRequest {
  data?: ProxyPayload;
  name: string;
  version: string;
  channels: string[];
}

/** The connect proxy's answer: who the client is. */
export interface ConnectProxyOutcome {
  user: string;
  /** Unix seconds; 0: the connection does not expire. */
  expireAt: number;
  info?: unknown;
  /** Data for the client in the connect reply. */
  data?: unknown;
  /** Server-side subscriptions, by channel, in the order given. */
  subs: Map<string, ProxySubscription>;
  /** Connection meta (JSON text), kept on the session and sent to later proxies when asked. */
  meta?: RawJson;
}

/** A refresh (connection or subscription) decided by the backend. */
export interface RefreshOutcome {
  expired: boolean;
  /** New expiry, Unix seconds (0: none). */
  expireAt: number;
  info?: unknown;
  meta?: RawJson;
}

export interface SubscribeProxyOutcome {
  /** Unix seconds; 0: the subscription does not expire. */
  expireAt: number;
  info?: unknown;
  data?: unknown;
  override?: ChannelOverride;
}

/** What the publish proxy lets through: the data (maybe changed) and publish options. */
export interface PublishProxyOutcome {
  payload: ProxyPayload;
  skipHistory: boolean;
  tags?: Record<string, string>;
  idempotencyKey?: string;
  delta?: boolean;
  version?: number;
  versionEpoch?: string;
}

/** The backend's part in client commands. Each method exists only when configured. */
export interface ProxyPort {
  /**
   * The connect proxy: used for connects that carry no token. Undefined: the backend answered no
   * result (no credentials).
   */
  readonly connect?: (
    session: Session,
    request: ConnectProxyRequest,
  ) => Promise<ConnectProxyOutcome | undefined>;
  /** The refresh proxy: the node refreshes expiring connections itself (no client-side refresh). */
  readonly refresh?: (session: Session) => Promise<RefreshOutcome>;
  /** Subscribe through the named subscribe proxy ("default": `channel.proxy.subscribe`). */
  subscribe(
    proxy: string,
    session: Session,
    channel: string,
    token: string | undefined,
    data: ProxyPayload | undefined,
  ): Promise<SubscribeProxyOutcome>;
  /** A client publication through the named publish proxy. */
  publish(
    proxy: string,
    session: Session,
    channel: string,
    payload: ProxyPayload,
  ): Promise<PublishProxyOutcome>;
  /** A node-side subscription refresh through the named sub_refresh proxy. */
  subRefresh(proxy: string, session: Session, channel: string): Promise<RefreshOutcome>;
  /** Whether any RPC namespace (or `rpc.without_namespace`) has a proxy; without one rpc is 108. */
  readonly hasRpc: boolean;
  /**
   * The client's `rpc`, by method: routed by RPC namespace (`rpc.namespaces`, `rpc.without_namespace`).
   * Throws 104 for a method in no namespace, 108 where the namespace has no proxy.
   */
  rpc(session: Session, method: string, payload: ProxyPayload | undefined): Promise<ProxyPayload | undefined>;
}
