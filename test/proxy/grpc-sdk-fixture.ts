/**
 * What the gRPC SDK suites share (`grpc-sdk-*.test.ts`): an application backend over gRPC (a real
 * `@grpc/grpc-js` server implementing `centrifugal.centrifugo.proxy.CentrifugoProxy` from
 * `src/proxy/grpc/proxy.proto`, sessions by cookie, the same decisions as the Express one), a node
 * config with every proxy on it forwarding the cookie, SDK clients sending the cookie with the
 * WebSocket upgrade, and recorders of their state events.
 */
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { Centrifuge, Subscription } from 'centrifuge';
import WebSocket from 'ws';
import {
  CENTRIFUGO_SERVICE,
  PROXY_LOADER_OPTIONS,
  proxyProtoPath,
} from '../../src/proxy/grpc/proxy-definition.js';
import type { TestNode, TestScope } from '../harness/index.js';

export type Fields = Record<string, unknown>;
export type Method = 'Connect' | 'Refresh' | 'Subscribe' | 'Publish' | 'RPC' | 'SubRefresh';

/** Long enough for several SDK reconnect attempts (maxReconnectDelay 300 ms) to have been made. */
export const SETTLE_MS = 700;
export const META = { plan: 'pro' };

const definition = loadSync(proxyProtoPath(), PROXY_LOADER_OPTIONS);
const service = definition[CENTRIFUGO_SERVICE] as ServiceDefinition;

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
export const parse = (bytes: unknown): unknown =>
  Buffer.isBuffer(bytes) && bytes.length > 0 ? JSON.parse(bytes.toString('utf8')) : undefined;
const nowS = (): number => Math.floor(Date.now() / 1000);

/** One call as the backend saw it. */
export interface Received {
  method: Method;
  request: Fields;
  /** The session's user, from the `cookie` metadata. */
  sessionUser: string | undefined;
  cookie: string | undefined;
}

/** An application backend over gRPC: sessions by cookie, the same decisions as the Express one. */
export class GrpcBackend {
  readonly received: Received[] = [];
  /** Session ids (`sid=<id>` cookies) → user. */
  readonly sessions = new Map<string, string>();
  readonly publications: Fields[] = [];
  delayMs = 0;
  connectTtlS = 0;
  subTtlS = 0;
  refreshExpired = false;
  subRefreshExpired = false;
  private server: Server | undefined;
  port = 0;

  get endpoint(): string {
    return `grpc://127.0.0.1:${this.port}`;
  }

  of(method: Method): Received[] {
    return this.received.filter((r) => r.method === method);
  }

  /** A session for `user`; resolves with its cookie. */
  login(user: string): string {
    const sid = `s-${user}-${this.sessions.size + 1}`;
    this.sessions.set(sid, user);
    return `sid=${sid}`;
  }

  reset(): void {
    this.received.length = 0;
    this.publications.length = 0;
    this.delayMs = 0;
    this.connectTtlS = 0;
    this.subTtlS = 0;
    this.refreshExpired = false;
    this.subRefreshExpired = false;
  }

  private decide(method: Method, request: Fields, user: string | undefined): Fields {
    switch (method) {
      case 'Connect': {
        if (user === undefined) return { error: { code: 4001, message: 'unauthorized' } };
        const result: Fields = {
          user,
          info: json({ name: user.toUpperCase() }),
          data: json({ greeting: `hello, ${user}` }),
          meta: json(META),
        };
        if (this.connectTtlS > 0) result['expire_at'] = nowS() + this.connectTtlS;
        return { result };
      }
      case 'Refresh':
        if (this.refreshExpired || user === undefined) return { result: { expired: true } };
        return { result: { expire_at: nowS() + Math.max(1, this.connectTtlS) } };
      case 'Subscribe': {
        const channel = String(request['channel']);
        if (channel.endsWith(':secret')) return { error: { code: 403, message: 'forbidden' } };
        const result: Fields = { info: json({ role: 'member' }), data: json({ welcome: channel }) };
        if (this.subTtlS > 0) result['expire_at'] = nowS() + this.subTtlS;
        return { result };
      }
      case 'Publish': {
        const data = parse(request['data']) as { text?: unknown } | undefined;
        const text = typeof data?.text === 'string' ? data.text.trim() : '';
        if (text === '') return { error: { code: 400, message: 'invalid publication' } };
        const stored = {
          id: this.publications.length + 1,
          channel: request['channel'],
          user: request['user'],
          text,
        };
        this.publications.push(stored);
        return { result: { data: json({ id: stored.id, text, by: stored.user }) } };
      }
      case 'RPC':
        if (request['method'] === 'getProfile') {
          return {
            result: { data: json({ user: request['user'], name: String(request['user']).toUpperCase() }) },
          };
        }
        return { error: { code: 404, message: 'unknown method' } };
      case 'SubRefresh':
        if (this.subRefreshExpired) return { result: { expired: true } };
        return { result: { expire_at: nowS() + Math.max(1, this.subTtlS) } };
    }
  }

  /** Listens on `port` (0: a free one, kept for restarts). */
  async start(): Promise<void> {
    const server = new Server();
    const handler =
      (method: Method) =>
      (call: ServerUnaryCall<Fields, Fields>, callback: sendUnaryData<Fields>): void => {
        const cookie = call.metadata.get('cookie')[0]?.toString();
        const sid = cookie?.match(/(?:^|;\s*)sid=([^;]+)/)?.[1];
        const sessionUser = sid === undefined ? undefined : this.sessions.get(sid);
        this.received.push({ method, request: call.request, sessionUser, cookie });
        const reply = (): void => callback(null, this.decide(method, call.request, sessionUser));
        if (this.delayMs > 0) setTimeout(reply, this.delayMs);
        else reply();
      };
    const implementation: UntypedServiceImplementation = Object.fromEntries(
      Object.keys(service).map((m) => [m, handler(m as Method)]),
    );
    server.addService(service, implementation);
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.port}`, ServerCredentials.createInsecure(), (error, bound) =>
        error === null ? resolve(bound) : reject(error),
      ),
    );
    this.server = server;
  }

  /** Stops at once: calls in flight fail, new ones are refused. */
  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }

  get running(): boolean {
    return this.server !== undefined;
  }
}

/** A `ws` WebSocket class sending `cookie` with the upgrade request. */
function cookieWebSocket(cookie: string | undefined) {
  return class CookieWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, cookie === undefined ? {} : { headers: { cookie } });
    }
  };
}

export function nodeConfig(backend: GrpcBackend, options: { meta?: boolean } = {}): Fields {
  const endpoint = {
    endpoint: backend.endpoint,
    timeout: '300ms',
    http_headers: ['Cookie'],
    include_connection_meta: options.meta === true,
  };
  return {
    client: { proxy: { connect: { enabled: true, ...endpoint }, refresh: { enabled: true, ...endpoint } } },
    channel: {
      proxy: { subscribe: endpoint, publish: endpoint, sub_refresh: endpoint },
      namespaces: [
        {
          name: 'room',
          presence: true,
          allow_presence_for_subscriber: true,
          subscribe_proxy_enabled: true,
          publish_proxy_enabled: true,
          sub_refresh_proxy_enabled: true,
        },
      ],
    },
    rpc: { proxy: endpoint, without_namespace: { proxy_enabled: true } },
  };
}

export interface Event {
  event: string;
  code?: number;
  type?: string;
  temporary?: boolean;
}

export function recordClient(client: Centrifuge): Event[] {
  const events: Event[] = [];
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

export function recordSub(sub: Subscription): Event[] {
  const events: Event[] = [];
  sub.on('subscribing', (c) => events.push({ event: 'subscribing', code: c.code }));
  sub.on('subscribed', () => events.push({ event: 'subscribed' }));
  sub.on('unsubscribed', (c) => events.push({ event: 'unsubscribed', code: c.code }));
  return events;
}

export const codeOf = (error: unknown): number | undefined => (error as { code?: number }).code;

/** An SDK client over WebSocket sending `cookie` with the upgrade request, not connected yet. */
export const cookieClient = (scope: TestScope, node: TestNode, cookie: string | undefined): Centrifuge =>
  scope.sdk(node.wsUrl, { websocket: cookieWebSocket(cookie) });
