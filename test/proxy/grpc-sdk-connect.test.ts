/**
 * The official centrifuge JS SDK connecting to a node whose connect proxy calls a real
 * `@grpc/grpc-js` server (endpoint `grpc://127.0.0.1:<port>`, `grpc-sdk-fixture.ts`):
 *
 * - the session cookie of the WebSocket upgrade (`http_headers: ['Cookie']`) reaches the backend
 *   as gRPC metadata, and the backend's user, info and connect data are what the SDK sees, with
 *   channel info on subscribe; without a session 4001 and the SDK stays disconnected;
 * - a backend that is down or slower than `timeout`: connect error 100, temporary; the SDK
 *   retries and connects once the backend is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setup, sleep, waitFor } from '../harness/index.js';
import { cookieClient, GrpcBackend, nodeConfig, recordClient, SETTLE_MS } from './grpc-sdk-fixture.js';

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
