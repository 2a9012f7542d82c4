/**
 * The official centrifuge JS SDK connecting to a node whose connect proxy is a real Express 5 app
 * with a cookie session (`express-backend.ts`):
 *
 * - a user who logged in to the app connects with the session cookie alone (no token): the
 *   backend's user, info, connect data and its server-side channels are what the SDK and other
 *   clients see; without a session the backend's 4001 (or a 4501 disconnect) ends in
 *   `disconnected`, with no reconnect;
 * - a backend slow past `timeout`, down, answering 503 or garbage: connect error 100, temporary;
 *   the SDK keeps retrying and connects once the backend is back, never reaching a terminal state;
 * - `status_to_code_transforms` turn a plain 401 or 403 into the configured disconnect or error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setup, sleep, waitFor } from '../harness/index.js';
import { type ExpressBackend, startExpressBackend } from './express-backend.js';
import {
  cookieClient,
  nodeConfig,
  recordClient,
  recordSub,
  resetBackend,
  SETTLE_MS,
} from './express-sdk-fixture.js';

describe('the JS SDK against an Express backend with a cookie session', { timeout: 60_000 }, () => {
  let backend: ExpressBackend;
  const shared = setup();
  before(async () => {
    backend = shared.defer(await startExpressBackend(), (b) => b.close());
  });
  after(() => shared.cleanup());
  /** Each test starts from the backend's defaults. */
  const reset = (): Promise<void> => resetBackend(backend);

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
});
