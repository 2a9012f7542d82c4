/**
 * What the Express SDK suites share (`express-sdk-*.test.ts`): a node config whose HTTP proxies
 * all point at the Express backend (`express-backend.ts`) and forward the session cookie, SDK
 * clients over WebSocket sending a cookie with the upgrade as a browser would, recorders of their
 * state events and errors, and the backend's reset to its defaults before each test.
 */
import type { Centrifuge, Options, Subscription } from 'centrifuge';
import WebSocket from 'ws';
import type { TestNode, TestScope } from '../harness/index.js';
import type { ExpressBackend, ProxyKind } from './express-backend.js';

/** Long enough for several SDK reconnect attempts (maxReconnectDelay 300 ms) to have been made. */
export const SETTLE_MS = 700;
export const META = { plan: 'pro', login: 'cookie' };

/** A `ws` WebSocket class sending the jar's cookie with the upgrade request, as a browser would. */
function cookieWebSocket(jar: { cookie?: string }) {
  return class CookieWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, jar.cookie === undefined ? {} : { headers: { cookie: jar.cookie } });
    }
  };
}

export interface NodeOptions {
  meta?: boolean;
  /** Merged into every endpoint of that kind. */
  endpoints?: Partial<Record<ProxyKind, Record<string, unknown>>>;
  /** Merged into `client` (beside its `proxy`). */
  client?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/** Every proxy of the node on the backend, forwarding the session cookie. */
export function nodeConfig(backend: ExpressBackend, options: NodeOptions = {}): Record<string, unknown> {
  const endpoint = (kind: ProxyKind) => ({
    endpoint: backend.endpoint(kind),
    timeout: '300ms',
    http_headers: ['Cookie'],
    include_connection_meta: options.meta === true,
    ...options.endpoints?.[kind],
  });
  return {
    client: {
      proxy: {
        connect: { enabled: true, ...endpoint('connect') },
        refresh: { enabled: true, ...endpoint('refresh') },
      },
      ...options.client,
    },
    channel: {
      proxy: {
        subscribe: endpoint('subscribe'),
        publish: endpoint('publish'),
        sub_refresh: endpoint('sub_refresh'),
      },
      namespaces: [
        {
          name: 'room',
          presence: true,
          allow_presence_for_subscriber: true,
          subscribe_proxy_enabled: true,
          publish_proxy_enabled: true,
        },
        {
          name: 'live',
          subscribe_proxy_enabled: true,
          sub_refresh_proxy_enabled: true,
          publish_proxy_enabled: true,
        },
      ],
    },
    rpc: {
      proxy: endpoint('rpc'),
      without_namespace: { proxy_enabled: true },
      namespaces: [{ name: 'profile', proxy_enabled: true }],
    },
    ...options.extra,
  };
}

export interface ClientEvent {
  event: string;
  code?: number;
  type?: string;
  temporary?: boolean;
}

/** Records the client's state events and errors, in order. */
export function recordClient(client: Centrifuge): ClientEvent[] {
  const events: ClientEvent[] = [];
  client.on('connecting', (c) => events.push({ event: 'connecting', code: c.code }));
  client.on('connected', () => events.push({ event: 'connected' }));
  client.on('disconnected', (c) => events.push({ event: 'disconnected', code: c.code }));
  client.on('error', (c) =>
    events.push({
      event: 'error',
      type: c.type,
      code: c.error.code,
      temporary: (c.error as { temporary?: boolean }).temporary,
    }),
  );
  return events;
}

/** Records a subscription's state events and errors, in order. */
export function recordSub(sub: Subscription): ClientEvent[] {
  const events: ClientEvent[] = [];
  sub.on('subscribing', (c) => events.push({ event: 'subscribing', code: c.code }));
  sub.on('subscribed', () => events.push({ event: 'subscribed' }));
  sub.on('unsubscribed', (c) => events.push({ event: 'unsubscribed', code: c.code }));
  sub.on('error', (c) =>
    events.push({
      event: 'error',
      type: c.type,
      code: c.error.code,
      temporary: (c.error as { temporary?: boolean }).temporary,
    }),
  );
  return events;
}

/** An SDK client over WebSocket sending `cookie` (none: anonymous), not connected yet. */
export function cookieClient(
  scope: TestScope,
  node: TestNode,
  cookie: string | undefined,
  options: Partial<Options> = {},
): Centrifuge {
  return scope.sdk(node.wsUrl, { websocket: cookieWebSocket({ cookie }), ...options });
}

export const codeOf = (error: unknown): number | undefined => (error as { code?: number }).code;

/** Puts the backend back to its defaults: each test starts from them. */
export async function resetBackend(backend: ExpressBackend): Promise<void> {
  await backend.up();
  backend.calls.length = 0;
  backend.publications.length = 0;
  backend.tokens.clear();
  backend.delayMs = 0;
  backend.faults = {};
  backend.connectTtlS = 0;
  backend.subTtlS = 0;
  backend.refreshExpired = false;
  backend.subRefreshExpired = false;
  backend.refreshInfo = undefined;
  backend.subRefreshInfo = undefined;
  backend.connectChannels = [];
  backend.noSession = { type: 'error', code: 4001, message: 'unauthorized' };
}
