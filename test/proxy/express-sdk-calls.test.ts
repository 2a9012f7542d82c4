/**
 * The official centrifuge JS SDK on a node whose subscribe, publish and rpc proxies are a real
 * Express 5 app with a cookie session (`express-backend.ts`), and what those calls carry:
 *
 * - subscribe allowed (channel info, data) or refused with the backend's code, not retried;
 * - client publications validated and persisted by the backend, delivered as it changed them,
 *   refused ones never delivered;
 * - rpc by method; an unknown RPC namespace is 104 without a backend call;
 * - `include_connection_meta`: the meta from connect goes with subscribe, publish and rpc;
 * - over `http_stream`, the emulated headers rules of Centrifugo v6.9 (forwarded only where listed
 *   in `emulated_headers`; the transport's value wins where a name is in both lists).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Centrifuge } from 'centrifuge';
import { collect, setup, sleep, type TestNode, type TestScope, waitFor } from '../harness/index.js';
import { type ExpressBackend, startExpressBackend } from './express-backend.js';
import {
  codeOf,
  cookieClient,
  META,
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
