/**
 * The official centrifuge JS SDK against a node whose HTTP proxies point at a real Express 5 app
 * with a cookie session (`express-backend.ts`), the way an application adopts Switchboard:
 *
 * - a user who logged in to the app connects with the session cookie alone (no token): the
 *   backend's user, info, connect data and meta are what the SDK and other clients see; without
 *   a session the backend's 4001 (or a disconnect) ends in `disconnected`, with no reconnect;
 * - subscribe allowed (channel info, data) or refused with the backend's code; client
 *   publications validated and persisted by the backend, delivered as it changed them, refused
 *   ones never delivered; rpc by method; an unknown RPC namespace is 104 without a backend call;
 * - the node refreshes connections and subscriptions itself through refresh and sub_refresh;
 *   expired: 3005 and a reconnect, 2501 and a resubscribe;
 * - a backend slow past `timeout`, down, answering 503 or garbage: connect error 100, temporary;
 *   the SDK keeps retrying and connects once the backend is back, never reaching a terminal state;
 * - `status_to_code_transforms`, `include_connection_meta`, and over `http_stream` the emulated
 *   headers rules of Centrifugo v6.9 (forwarded only where listed in `emulated_headers`; the
 *   transport's value wins where a name is in both lists).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Centrifuge, type Options, type Subscription } from 'centrifuge';
import WebSocket from 'ws';
import { collect, setup, sleep, type TestNode, type TestScope, waitFor } from '../harness/index.js';
import { type ExpressBackend, type ProxyKind, startExpressBackend } from './express-backend.js';

/** Long enough for several SDK reconnect attempts (maxReconnectDelay 300 ms) to have been made. */
const SETTLE_MS = 700;
const META = { plan: 'pro', login: 'cookie' };

/** A `ws` WebSocket class sending the jar's cookie with the upgrade request, as a browser would. */
function cookieWebSocket(jar: { cookie?: string }) {
  return class CookieWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, jar.cookie === undefined ? {} : { headers: { cookie: jar.cookie } });
    }
  };
}

interface NodeOptions {
  meta?: boolean;
  /** Merged into every endpoint of that kind. */
  endpoints?: Partial<Record<ProxyKind, Record<string, unknown>>>;
  /** Merged into `client` (beside its `proxy`). */
  client?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/** Every proxy of the node on the backend, forwarding the session cookie. */
function nodeConfig(backend: ExpressBackend, options: NodeOptions = {}): Record<string, unknown> {
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

interface ClientEvent {
  event: string;
  code?: number;
  type?: string;
  temporary?: boolean;
}

/** Records the client's state events and errors, in order. */
function recordClient(client: Centrifuge): ClientEvent[] {
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
function recordSub(sub: Subscription): ClientEvent[] {
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
function cookieClient(
  scope: TestScope,
  node: TestNode,
  cookie: string | undefined,
  options: Partial<Options> = {},
): Centrifuge {
  return scope.sdk(node.wsUrl, { websocket: cookieWebSocket({ cookie }), ...options });
}

const codeOf = (error: unknown): number | undefined => (error as { code?: number }).code;

describe('the JS SDK against an Express backend with a cookie session', { timeout: 60_000 }, () => {
  let backend: ExpressBackend;
  const shared = setup();
  before(async () => {
    backend = shared.defer(await startExpressBackend(), (b) => b.close());
  });
  after(() => shared.cleanup());
  /** Each test starts from the backend's defaults. */
  const reset = async (): Promise<void> => {
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
  };

  it('connects with the session cookie alone: user, info and connect data from the backend', async () => {
    await reset();
    backend.connectChannels = ['room:notices'];
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend));
    const cookie = await backend.login('alice');
    const client = cookieClient(scope, node, cookie);
    const serverSubs: string[] = [];
    client.on('subscribed', (ctx) => serverSubs.push(ctx.channel));
    const serverPubs: unknown[] = [];
    client.on('publication', (ctx) => serverPubs.push(ctx.data));
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
    assert.deepEqual(connectData, { greeting: 'hello, Alice' });
    assert.deepEqual(subData, { welcome: 'room:lobby' });
    // The connect result's `channels` are server-side subscriptions, no subscribe proxy asked.
    // (`#alice` too: the personal channel, on by default in Switchboard.)
    assert.deepEqual(serverSubs.sort(), ['#alice', 'room:notices']);
    assert.equal((await node.api('publish', { channel: 'room:notices', data: { n: 1 } })).status, 200);
    await waitFor(() => serverPubs.length === 1, 'the server-side publication');
    assert.deepEqual(serverPubs, [{ n: 1 }]);

    const presence = await sub.presence();
    assert.deepEqual(Object.keys(presence.clients), [clientId]);
    const me = presence.clients[clientId]!;
    assert.equal(me.user, 'alice');
    assert.deepEqual(me.connInfo, { name: 'Alice' });
    assert.deepEqual(me.chanInfo, { role: 'member' });

    const connect = backend.callsOf('connect');
    assert.equal(connect.length, 1);
    assert.equal(connect[0]!.sessionUser, 'alice', 'the backend found its session from the cookie');
    assert.equal(connect[0]!.headers.cookie, cookie);
    assert.equal(connect[0]!.body['client'], clientId);
    assert.equal(connect[0]!.body['transport'], 'websocket');
    assert.equal(connect[0]!.body['token'], undefined);
    const subscribe = backend.callsOf('subscribe');
    assert.equal(subscribe.length, 1, 'only room:lobby was asked about');
    assert.equal(subscribe[0]!.body['user'], 'alice');
    assert.equal(subscribe[0]!.body['channel'], 'room:lobby');
    assert.equal(subscribe[0]!.sessionUser, 'alice', 'the cookie is forwarded on subscribe too');
    assert.equal(subscribe[0]!.body['meta'], undefined, 'meta only with include_connection_meta');
  });

  it('without a session: the backend refuses with 4001 and the SDK stays disconnected', async () => {
    await reset();
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend));
    const client = cookieClient(scope, node, undefined);
    const events = recordClient(client);
    client.connect();
    await waitFor(() => client.state === 'disconnected', 'the SDK to give up');
    assert.deepEqual(events.at(-1), { event: 'disconnected', code: 4001 });
    await sleep(SETTLE_MS);
    assert.equal(client.state, 'disconnected');
    assert.equal(backend.callsOf('connect').length, 1, 'no reconnect after an error that is not temporary');
    assert.equal(backend.callsOf('connect')[0]!.sessionUser, undefined);

    // The same after a logout: the old cookie names a destroyed session.
    const cookie = await backend.login('bob');
    await backend.logout(cookie);
    const late = cookieClient(scope, node, cookie);
    late.connect();
    await waitFor(() => late.state === 'disconnected', 'the logged-out SDK to give up');
    assert.equal(backend.callsOf('connect').length, 2);
  });

  it('without a session, a backend disconnect (4501) closes the connection for good', async () => {
    await reset();
    backend.noSession = { type: 'disconnect', code: 4501, reason: 'login required' };
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend));
    const client = cookieClient(scope, node, undefined);
    const events = recordClient(client);
    client.connect();
    await waitFor(() => client.state === 'disconnected', 'the SDK to be disconnected');
    assert.deepEqual(events.at(-1), { event: 'disconnected', code: 4501 });
    await sleep(SETTLE_MS);
    assert.equal(backend.callsOf('connect').length, 1, 'a 45xx disconnect is not reconnected');
  });

  it('subscribe: allowed with channel info and data, refused with the backend code', async () => {
    await reset();
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend));
    const client = cookieClient(scope, node, await backend.login('alice'));
    client.connect();
    await client.ready(5000);

    const allowed = client.newSubscription('live:scores', { data: { team: 'red' } });
    allowed.subscribe();
    await allowed.ready(5000);
    const [asked] = backend.callsOf('subscribe');
    assert.deepEqual(asked!.body['data'], { team: 'red' }, 'the subscription data reaches the backend');

    const refused = client.newSubscription('room:secret');
    const events = recordSub(refused);
    refused.subscribe();
    await waitFor(() => refused.state === 'unsubscribed', 'the refused subscription to end');
    assert.deepEqual(events, [
      { event: 'subscribing', code: 0 },
      { event: 'unsubscribed', code: 403 },
    ]);
    await sleep(SETTLE_MS);
    assert.equal(refused.state, 'unsubscribed');
    const refusals = backend.callsOf('subscribe').filter((c) => c.body['channel'] === 'room:secret');
    assert.equal(refusals.length, 1, 'a refusal that is not temporary is not retried');
    assert.equal(allowed.state, 'subscribed');
    assert.equal(client.state, 'connected');
  });

  it('client publications: validated and persisted by the backend, delivered as it changed them', async () => {
    await reset();
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend));
    const reader = cookieClient(scope, node, await backend.login('bob'));
    const readerSub = reader.newSubscription('room:lobby');
    const got = collect(readerSub);
    readerSub.subscribe();
    reader.connect();
    await readerSub.ready(5000);

    const writer = cookieClient(scope, node, await backend.login('alice'));
    writer.connect();
    await writer.ready(5000);
    await assert.rejects(writer.publish('room:lobby', { text: '   ' }), (e) => codeOf(e) === 400);
    await assert.rejects(writer.publish('room:lobby', { text: 'x'.repeat(141) }), (e) => codeOf(e) === 400);
    await assert.rejects(writer.publish('room:lobby', { nope: 1 }), (e) => codeOf(e) === 400);
    await writer.publish('room:lobby', { text: '  hi bob  ' });

    await waitFor(() => got.length >= 1, 'the accepted publication');
    await sleep(200);
    assert.equal(got.length, 1, 'refused publications never reach subscribers');
    assert.deepEqual(got[0]!.data, { id: 1, text: 'hi bob', by: 'alice' });
    assert.equal(got[0]!.info?.user, 'alice');
    assert.deepEqual(got[0]!.info?.connInfo, { name: 'Alice' });
    assert.deepEqual(backend.publications, [{ id: 1, channel: 'room:lobby', user: 'alice', text: 'hi bob' }]);
    assert.equal(backend.callsOf('publish').length, 4);
    assert.ok(backend.callsOf('publish').every((c) => c.sessionUser === 'alice'));
  });

  it('rpc by method through the backend; an unknown RPC namespace is 104 without asking it', async () => {
    await reset();
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend));
    const client = cookieClient(scope, node, await backend.login('alice'));
    client.connect();
    await client.ready(5000);

    const profile = await client.rpc('getProfile', {});
    assert.deepEqual(profile.data, { user: 'alice', name: 'Alice', plan: 'pro' });
    const echo = await client.rpc('profile:echo', { x: [1, 2] });
    assert.deepEqual(echo.data, { echo: { x: [1, 2] } });
    await assert.rejects(client.rpc('deleteEverything', {}), (e) => codeOf(e) === 404);
    const asked = backend.callsOf('rpc').length;
    assert.equal(asked, 3);
    await assert.rejects(client.rpc('admin:stats', {}), (e) => codeOf(e) === 104);
    assert.equal(backend.callsOf('rpc').length, asked, 'the backend was not asked');
    assert.equal(backend.callsOf('rpc')[0]!.body['method'], 'getProfile');
    assert.equal(backend.callsOf('rpc')[1]!.body['method'], 'profile:echo');
    assert.equal(backend.callsOf('rpc')[0]!.body['meta'], undefined);
    assert.equal(client.state, 'connected');
  });

  it('include_connection_meta: the meta from connect goes with subscribe, publish and rpc', async () => {
    await reset();
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend, { meta: true }));
    const client = cookieClient(scope, node, await backend.login('alice'));
    const sub = client.newSubscription('room:meta');
    sub.subscribe();
    client.connect();
    await sub.ready(5000);
    await sub.publish({ text: 'with meta' });
    await client.rpc('getProfile', {});
    for (const kind of ['subscribe', 'publish', 'rpc'] as const) {
      const calls = backend.callsOf(kind);
      assert.equal(calls.length, 1, kind);
      assert.deepEqual(calls[0]!.body['meta'], META, `${kind} carries the connection meta`);
    }
    assert.equal(backend.callsOf('connect')[0]!.body['meta'], undefined, 'connect has no meta yet');
  });

  it('refresh proxy: the node extends the connection itself, then closes it with 3005 once expired', async () => {
    await reset();
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend, { client: { presence_update_interval: '100ms' } }));
    const watcher = cookieClient(scope, node, await backend.login('bob'));
    const watched = watcher.newSubscription('room:lobby');
    const got = collect(watched);
    watched.subscribe();
    watcher.connect();
    await watched.ready(5000);

    // Alice's connection expires (bob's does not): the node asks the refresh proxy about hers.
    backend.connectTtlS = 2;
    backend.refreshInfo = { name: 'Alice', level: 2 };
    const client = cookieClient(scope, node, await backend.login('alice'));
    const events = recordClient(client);
    const sub = client.newSubscription('room:lobby');
    sub.subscribe();
    client.connect();
    await sub.ready(5000);
    await client.publish('room:lobby', { text: 'before' });
    await waitFor(() => got.length === 1, 'the first publication');
    assert.deepEqual(got[0]!.info?.connInfo, { name: 'Alice' });

    await waitFor(() => backend.callsOf('refresh').length >= 1, 'a node-side refresh', 5000);
    const first = backend.callsOf('refresh')[0]!;
    assert.equal(first.body['user'], 'alice');
    assert.equal(first.sessionUser, 'alice', 'the refresh carries the session cookie');
    // The connection outlived its first expiry.
    assert.equal(client.state, 'connected');
    assert.deepEqual(events, [{ event: 'connecting', code: 0 }, { event: 'connected' }]);
    // The refresh's info is the connection's from now on: in its publications and its presence.
    await waitFor(
      async () => {
        await client.publish('room:lobby', { text: 'after' });
        return (got.at(-1)?.info?.connInfo as { level?: number } | undefined)?.level === 2;
      },
      { message: 'a publication with the refreshed info', intervalMs: 50 },
    );
    await waitFor(async () => {
      const presence = await watched.presence();
      return Object.values(presence.clients).some((c) => c.user === 'alice' && c.connInfo?.level === 2);
    }, 'presence with the refreshed info');
    const refreshCalls = backend.callsOf('refresh').length;

    // The backend says expired: 3005, the SDK reconnects (the session still lives: connected again).
    backend.connectTtlS = 0;
    backend.refreshExpired = true;
    await waitFor(() => events.some((e) => e.event === 'connecting' && e.code === 3005), '3005', 5000);
    await waitFor(() => events.filter((e) => e.event === 'connected').length === 2, 'a reconnect');
    assert.equal(backend.callsOf('refresh').length, refreshCalls + 1);
    assert.equal(backend.callsOf('connect').length, 3, 'bob, alice, alice again');
    assert.ok(!events.some((e) => e.event === 'disconnected'), 'never disconnected for good');
    assert.equal(client.state, 'connected');
  });

  it('refresh proxy: a backend failing at refresh time disconnects nobody (a minute more, as Centrifugo)', async () => {
    await reset();
    backend.connectTtlS = 2;
    backend.faults.refresh = { type: 'status', status: 503 };
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend));
    const client = cookieClient(scope, node, await backend.login('alice'));
    const events = recordClient(client);
    client.connect();
    await client.ready(5000);
    await waitFor(() => backend.callsOf('refresh').length === 1, 'a node-side refresh', 5000);
    await sleep(SETTLE_MS);
    assert.equal(client.state, 'connected');
    assert.deepEqual(events, [{ event: 'connecting', code: 0 }, { event: 'connected' }]);
    assert.equal(backend.callsOf('refresh').length, 1, 'the next refresh is a minute away');
  });

  it('sub_refresh proxy: the node extends the subscription, then ends it with 2501 once expired', async () => {
    await reset();
    backend.subTtlS = 2;
    backend.subRefreshInfo = { role: 'member', streak: 1 };
    await using scope = setup();
    const node = await scope.node(nodeConfig(backend));
    const client = cookieClient(scope, node, await backend.login('alice'));
    const sub = client.newSubscription('live:match');
    const events = recordSub(sub);
    sub.subscribe();
    client.connect();
    await sub.ready(5000);

    await waitFor(() => backend.callsOf('sub_refresh').length >= 1, 'a node-side sub_refresh', 5000);
    const first = backend.callsOf('sub_refresh')[0]!;
    assert.equal(first.body['channel'], 'live:match');
    assert.equal(first.body['user'], 'alice');
    assert.equal(first.sessionUser, 'alice');
    assert.equal(sub.state, 'subscribed');
    assert.deepEqual(events, [{ event: 'subscribing', code: 0 }, { event: 'subscribed' }]);
    // The sub_refresh's info is the subscription's channel info from now on.
    const got = collect(sub);
    await waitFor(
      async () => {
        await sub.publish({ text: 'goal' });
        return (got.at(-1)?.info?.chanInfo as { streak?: number } | undefined)?.streak === 1;
      },
      { message: 'a publication with the refreshed channel info', intervalMs: 50 },
    );

    // Access revoked: the refresh says expired (2501, the SDK resubscribes), the subscribe says no.
    backend.subRefreshExpired = true;
    backend.faults.subscribe = { type: 'error', code: 403, message: 'access revoked' };
    await waitFor(() => sub.state === 'unsubscribed', 'the subscription to end', 5000);
    assert.deepEqual(events.slice(2), [
      { event: 'subscribing', code: 2501 },
      { event: 'unsubscribed', code: 403 },
    ]);
    assert.equal(backend.callsOf('subscribe').length, 2, 'the SDK resubscribed once');
    assert.equal(client.state, 'connected');
  });

  for (const [what, breakIt] of [
    ['slow beyond the timeout', (b: ExpressBackend) => (b.delayMs = 600)],
    ['answering 503', (b: ExpressBackend) => (b.faults.all = { type: 'status', status: 503 })],
    ['answering garbage', (b: ExpressBackend) => (b.faults.all = { type: 'garbage' })],
    ['down', (b: ExpressBackend) => b.down()],
  ] as const) {
    it(`a backend ${what}: connect error 100, temporary; the SDK retries and connects once it is back`, async () => {
      await reset();
      await using scope = setup();
      const node = await scope.node(nodeConfig(backend));
      const cookie = await backend.login('alice');
      await breakIt(backend);
      const client = cookieClient(scope, node, cookie);
      const events = recordClient(client);
      client.connect();
      const errors = () => events.filter((e) => e.event === 'error');
      await waitFor(() => errors().length >= 3, 'three failed connect attempts', 5000);
      for (const e of errors())
        assert.deepEqual(e, { event: 'error', type: 'connect', code: 100, temporary: true });
      assert.equal(client.state, 'connecting');
      if (what !== 'down') assert.ok(backend.callsOf('connect').length >= 3);

      backend.delayMs = 0;
      backend.faults = {};
      await backend.up();
      await client.ready(10_000);
      assert.ok(!events.some((e) => e.event === 'disconnected'), 'never a terminal state');
      assert.equal(backend.callsOf('connect').at(-1)!.sessionUser, 'alice');
    });
  }

  it('status_to_code_transforms: a plain 403 or 401 from the backend becomes the configured code', async () => {
    await reset();
    backend.noSession = { type: 'status', status: 401 };
    await using scope = setup();
    const transforms = (entry: Record<string, unknown>) => ({
      http: { status_to_code_transforms: [entry] },
    });
    const node = await scope.node(
      nodeConfig(backend, {
        endpoints: {
          connect: transforms({ status_code: 401, to_disconnect: { code: 4501, reason: 'login required' } }),
          subscribe: transforms({
            status_code: 403,
            to_error: { code: 1403, message: 'forbidden by backend' },
          }),
        },
      }),
    );
    const client = cookieClient(scope, node, await backend.login('alice'));
    client.connect();
    await client.ready(5000);
    const vip = client.newSubscription('room:vip');
    let reason = '';
    vip.on('unsubscribed', (ctx) => {
      reason = ctx.reason;
    });
    vip.subscribe();
    await waitFor(() => vip.state === 'unsubscribed', 'the vip subscription to be refused');
    assert.equal(reason, 'forbidden by backend');
    const vipEvents = backend.callsOf('subscribe').filter((c) => c.body['channel'] === 'room:vip');
    assert.equal(vipEvents.length, 1);

    const anonymous = cookieClient(scope, node, undefined);
    const events = recordClient(anonymous);
    anonymous.connect();
    await waitFor(() => anonymous.state === 'disconnected', 'the anonymous client to be disconnected');
    assert.deepEqual(events.at(-1), { event: 'disconnected', code: 4501 });

    // Without a transform the same 403 is the backend failing: 100, temporary, retried.
    const plain = await scope.node(nodeConfig(backend));
    const other = cookieClient(scope, plain, await backend.login('bob'));
    other.connect();
    await other.ready(5000);
    const retried = other.newSubscription('room:vip');
    const subEvents = recordSub(retried);
    retried.subscribe();
    await waitFor(() => subEvents.filter((e) => e.event === 'error').length >= 2, 'retried subscribes');
    assert.deepEqual(
      subEvents.find((e) => e.event === 'error'),
      {
        event: 'error',
        type: 'subscribe',
        code: 100,
        temporary: true,
      },
    );
    assert.equal(retried.state, 'subscribing');
  });

  describe('emulated headers over http_stream', () => {
    /** The SDK over http_stream alone; `transportHeaders` go with every HTTP request it makes. */
    const streamClient = (
      scope: TestScope,
      node: TestNode,
      emulated: Record<string, string>,
      transportHeaders: Record<string, string> = {},
    ): Centrifuge => {
      const withHeaders: typeof fetch = (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), ...transportHeaders },
        });
      const client = new Centrifuge(
        [{ transport: 'http_stream', endpoint: `${node.baseUrl}/connection/http_stream` }],
        {
          fetch: withHeaders,
          readableStream: ReadableStream,
          emulationEndpoint: `${node.baseUrl}/emulation`,
          headers: emulated,
          minReconnectDelay: 50,
          maxReconnectDelay: 300,
          timeout: 5000,
        },
      );
      return scope.defer(client, (c) => c.disconnect());
    };
    const config = (names: { http_headers?: string[]; emulated_headers?: string[] }) => {
      const lists = {
        http_headers: names.http_headers ?? [],
        emulated_headers: names.emulated_headers ?? [],
      };
      return nodeConfig(backend, {
        endpoints: { connect: lists, rpc: lists },
        extra: { http_stream: { enabled: true } },
      });
    };

    it('a header listed in emulated_headers reaches the backend, on connect and on later calls', async () => {
      await reset();
      backend.tokens.set('tok-alice', 'alice');
      await using scope = setup();
      const node = await scope.node(config({ emulated_headers: ['Authorization'] }));
      const client = streamClient(scope, node, { Authorization: 'Bearer tok-alice' });
      const transports: string[] = [];
      client.on('connected', (ctx) => transports.push(ctx.transport));
      client.connect();
      await client.ready(5000);
      assert.deepEqual(transports, ['http_stream']);
      assert.equal(backend.callsOf('connect')[0]!.headers.authorization, 'Bearer tok-alice');
      const profile = await client.rpc('getProfile', {});
      assert.deepEqual(profile.data, { user: 'alice', name: 'Alice', plan: 'pro' });
      assert.equal(backend.callsOf('rpc')[0]!.headers.authorization, 'Bearer tok-alice');
    });

    it('a header listed only in http_headers is not taken from the connect command', async () => {
      await reset();
      backend.tokens.set('tok-alice', 'alice');
      await using scope = setup();
      const node = await scope.node(config({ http_headers: ['Authorization'] }));
      const client = streamClient(scope, node, { Authorization: 'Bearer tok-alice' });
      const events = recordClient(client);
      client.connect();
      await waitFor(() => client.state === 'disconnected', 'the unauthenticated SDK to give up');
      assert.deepEqual(events.at(-1), { event: 'disconnected', code: 4001 });
      assert.equal(backend.callsOf('connect').length, 1);
      assert.equal(backend.callsOf('connect')[0]!.headers.authorization, undefined);
    });

    it('a name in both lists: the transport value wins over the emulated one', async () => {
      await reset();
      backend.tokens.set('tok-alice', 'alice');
      backend.tokens.set('tok-bob', 'bob');
      await using scope = setup();
      const names = ['Authorization'];
      const node = await scope.node(config({ http_headers: names, emulated_headers: names }));
      const client = streamClient(
        scope,
        node,
        { Authorization: 'Bearer tok-alice' },
        { authorization: 'Bearer tok-bob' },
      );
      client.connect();
      await client.ready(5000);
      assert.equal(backend.callsOf('connect')[0]!.headers.authorization, 'Bearer tok-bob');
      const profile = await client.rpc('getProfile', {});
      assert.equal((profile.data as { user: string }).user, 'bob');
    });
  });
});
