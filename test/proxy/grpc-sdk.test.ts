/**
 * The official centrifuge JS SDK against a node whose proxies call a real `@grpc/grpc-js` server
 * implementing `centrifugal.centrifugo.proxy.CentrifugoProxy` from `src/proxy/grpc/proxy.proto`
 * (endpoint `grpc://127.0.0.1:<port>`), the same flows as the Express suite over gRPC:
 *
 * - the session cookie of the WebSocket upgrade (`http_headers: ['Cookie']`) reaches the backend
 *   as gRPC metadata, and the backend's user, info and connect data are what the SDK sees;
 *   without a session 4001 and the SDK stays disconnected;
 * - subscribe allowed (channel info and data) or refused with the backend's code; client
 *   publications changed by the backend (or refused, never delivered); rpc by method, 104 for an
 *   unknown RPC namespace; the connection meta in later requests with `include_connection_meta`;
 * - Refresh and SubRefresh called by the node at expiry; expired: 3005 (reconnect) and 2501
 *   (resubscribe);
 * - a backend that is down or slower than `timeout`: connect error 100, temporary; the SDK
 *   retries and connects once the backend is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
import { collect, setup, sleep, type TestNode, type TestScope, waitFor } from '../harness/index.js';

type Fields = Record<string, unknown>;
type Method = 'Connect' | 'Refresh' | 'Subscribe' | 'Publish' | 'RPC' | 'SubRefresh';

/** Long enough for several SDK reconnect attempts (maxReconnectDelay 300 ms) to have been made. */
const SETTLE_MS = 700;
const META = { plan: 'pro' };

const definition = loadSync(proxyProtoPath(), PROXY_LOADER_OPTIONS);
const service = definition[CENTRIFUGO_SERVICE] as ServiceDefinition;

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const parse = (bytes: unknown): unknown =>
  Buffer.isBuffer(bytes) && bytes.length > 0 ? JSON.parse(bytes.toString('utf8')) : undefined;
const nowS = (): number => Math.floor(Date.now() / 1000);

/** One call as the backend saw it. */
interface Received {
  method: Method;
  request: Fields;
  /** The session's user, from the `cookie` metadata. */
  sessionUser: string | undefined;
  cookie: string | undefined;
}

/** An application backend over gRPC: sessions by cookie, the same decisions as the Express one. */
class GrpcBackend {
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

function nodeConfig(backend: GrpcBackend, options: { meta?: boolean } = {}): Fields {
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

interface Event {
  event: string;
  code?: number;
  type?: string;
  temporary?: boolean;
}

function recordClient(client: Centrifuge): Event[] {
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

function recordSub(sub: Subscription): Event[] {
  const events: Event[] = [];
  sub.on('subscribing', (c) => events.push({ event: 'subscribing', code: c.code }));
  sub.on('subscribed', () => events.push({ event: 'subscribed' }));
  sub.on('unsubscribed', (c) => events.push({ event: 'unsubscribed', code: c.code }));
  return events;
}

const codeOf = (error: unknown): number | undefined => (error as { code?: number }).code;

describe('the JS SDK against a gRPC proxy backend', { timeout: 60_000 }, () => {
  const backend = new GrpcBackend();
  const shared = setup();
  before(async () => {
    await backend.start();
    shared.defer(backend, (b) => b.stop());
  });
  after(() => shared.cleanup());
  const reset = async (): Promise<void> => {
    if (!backend.running) await backend.start();
    backend.reset();
  };
  const cookieClient = (scope: TestScope, node: TestNode, cookie: string | undefined): Centrifuge =>
    scope.sdk(node.wsUrl, { websocket: cookieWebSocket(cookie) });

  it('connects from the cookie sent as metadata: user, info, data; subscribe with channel info', async () => {
    await reset();
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend));
    const cookie = backend.login('alice');
    const client = cookieClient(scope, node, cookie);
    let connectData: unknown;
    let clientId = '';
    client.on('connected', (ctx) => {
      connectData = ctx.data;
      clientId = ctx.client;
    });
    const sub = client.newSubscription('room:lobby');
    let subData: unknown;
    sub.on('subscribed', (ctx) => {
      subData = ctx.data;
    });
    sub.subscribe();
    client.connect();
    await sub.ready(5000);
    assert.deepEqual(connectData, { greeting: 'hello, alice' });
    assert.deepEqual(subData, { welcome: 'room:lobby' });
    const me = (await sub.presence()).clients[clientId]!;
    assert.equal(me.user, 'alice');
    assert.deepEqual(me.connInfo, { name: 'ALICE' });
    assert.deepEqual(me.chanInfo, { role: 'member' });

    const [connect] = backend.of('Connect');
    assert.equal(connect!.cookie, cookie);
    assert.equal(connect!.sessionUser, 'alice');
    assert.equal(connect!.request['client'], clientId);
    assert.equal(connect!.request['transport'], 'websocket');
    const [subscribe] = backend.of('Subscribe');
    assert.equal(subscribe!.request['user'], 'alice');
    assert.equal(subscribe!.request['channel'], 'room:lobby');
    assert.equal(subscribe!.sessionUser, 'alice');
    assert.equal(subscribe!.request['meta'], undefined, 'meta only with include_connection_meta');
  });

  it('without a session: 4001 and the SDK stays disconnected', async () => {
    await reset();
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend));
    const client = cookieClient(scope, node, 'sid=unknown');
    const events = recordClient(client);
    client.connect();
    await waitFor(() => client.state === 'disconnected', 'the SDK to give up');
    assert.deepEqual(events.at(-1), { event: 'disconnected', code: 4001 });
    await sleep(SETTLE_MS);
    assert.equal(backend.of('Connect').length, 1);
  });

  it('subscribe refused, publications changed or refused by the backend, rpc, meta', async () => {
    await reset();
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend, { meta: true }));
    const reader = cookieClient(scope, node, backend.login('bob'));
    const readerSub = reader.newSubscription('room:lobby');
    const got = collect(readerSub);
    readerSub.subscribe();
    reader.connect();
    await readerSub.ready(5000);

    const client = cookieClient(scope, node, backend.login('alice'));
    client.connect();
    await client.ready(5000);
    const secret = client.newSubscription('room:secret');
    const secretEvents = recordSub(secret);
    secret.subscribe();
    await waitFor(() => secret.state === 'unsubscribed', 'the refused subscription to end');
    assert.deepEqual(secretEvents.at(-1), { event: 'unsubscribed', code: 403 });

    await assert.rejects(client.publish('room:lobby', { text: '  ' }), (e) => codeOf(e) === 400);
    await client.publish('room:lobby', { text: ' hi ' });
    await waitFor(() => got.length >= 1, 'the accepted publication');
    await sleep(200);
    assert.equal(got.length, 1, 'the refused publication was not delivered');
    assert.deepEqual(got[0]!.data, { id: 1, text: 'hi', by: 'alice' });
    assert.equal(got[0]!.info?.user, 'alice');
    assert.deepEqual(backend.publications, [{ id: 1, channel: 'room:lobby', user: 'alice', text: 'hi' }]);

    const profile = await client.rpc('getProfile', {});
    assert.deepEqual(profile.data, { user: 'alice', name: 'ALICE' });
    await assert.rejects(client.rpc('nope', {}), (e) => codeOf(e) === 404);
    const asked = backend.of('RPC').length;
    await assert.rejects(client.rpc('admin:stats', {}), (e) => codeOf(e) === 104);
    assert.equal(backend.of('RPC').length, asked, 'the backend was not asked');

    const aliceCalls = backend.received.filter(
      (r) => r.request['user'] === 'alice' && ['Subscribe', 'Publish', 'RPC'].includes(r.method),
    );
    assert.equal(aliceCalls.length, 5, 'a subscribe, two publishes, two rpcs');
    for (const call of aliceCalls) assert.deepEqual(parse(call.request['meta']), META, call.method);
    assert.equal(client.state, 'connected');
  });

  it('Refresh and SubRefresh: the node extends, then ends with 3005 (reconnect) and 2501 (resubscribe)', async () => {
    await reset();
    backend.connectTtlS = 2;
    backend.subTtlS = 2;
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend));
    const client = cookieClient(scope, node, backend.login('alice'));
    const events = recordClient(client);
    const sub = client.newSubscription('room:live');
    const subEvents = recordSub(sub);
    sub.subscribe();
    client.connect();
    await sub.ready(5000);

    await waitFor(
      () => backend.of('Refresh').length >= 1 && backend.of('SubRefresh').length >= 1,
      'a node-side Refresh and SubRefresh',
      5000,
    );
    assert.equal(backend.of('Refresh')[0]!.request['user'], 'alice');
    assert.equal(backend.of('Refresh')[0]!.sessionUser, 'alice');
    assert.equal(backend.of('SubRefresh')[0]!.request['channel'], 'room:live');
    assert.equal(client.state, 'connected');
    assert.equal(sub.state, 'subscribed');
    assert.deepEqual(subEvents, [{ event: 'subscribing', code: 0 }, { event: 'subscribed' }]);

    backend.subRefreshExpired = true;
    backend.subTtlS = 0;
    await waitFor(() => subEvents.some((e) => e.code === 2501), 'the subscription to expire (2501)', 5000);
    await waitFor(() => subEvents.filter((e) => e.event === 'subscribed').length === 2, 'a resubscribe');
    assert.equal(backend.of('Subscribe').length, 2);

    backend.connectTtlS = 0;
    backend.refreshExpired = true;
    await waitFor(() => events.some((e) => e.code === 3005), 'the connection to expire (3005)', 5000);
    await waitFor(() => events.filter((e) => e.event === 'connected').length === 2, 'a reconnect');
    assert.ok(!events.some((e) => e.event === 'disconnected'));
    assert.equal(backend.of('Connect').length, 2);
  });

  for (const what of ['down', 'slower than the timeout'] as const) {
    it(`a backend ${what}: connect error 100, temporary; the SDK connects once it is back`, async () => {
      await reset();
      await using scope = setup();
      const node = await scope.node(nodeConfig(backend));
      const cookie = backend.login('alice');
      if (what === 'down') backend.stop();
      else backend.delayMs = 600;
      const client = cookieClient(scope, node, cookie);
      const events = recordClient(client);
      client.connect();
      const errors = () => events.filter((e) => e.event === 'error');
      await waitFor(() => errors().length >= 2, 'failed connect attempts', 5000);
      for (const e of errors()) {
        assert.deepEqual(e, { event: 'error', type: 'connect', code: 100, temporary: true });
      }
      assert.equal(client.state, 'connecting');
      if (what === 'down') await backend.start();
      else backend.delayMs = 0;
      // grpc-js reconnects with a backoff (1 s at first, at most 5 s here).
      await client.ready(10_000);
      assert.ok(!events.some((e) => e.event === 'disconnected'), 'never a terminal state');
      assert.equal(backend.of('Connect').at(-1)!.sessionUser, 'alice');
    });
  }
});
