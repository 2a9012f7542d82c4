/**
 * The official centrifuge JS SDK on a node whose proxies call a real `@grpc/grpc-js` server
 * (`grpc-sdk-fixture.ts`), the same flows as the Express suites over gRPC once connected:
 *
 * - subscribe refused with the backend's code; client publications changed by the backend (or
 *   refused, never delivered); rpc by method, 104 for an unknown RPC namespace; the connection
 *   meta in later requests with `include_connection_meta`;
 * - Refresh and SubRefresh called by the node at expiry; expired: 3005 (reconnect) and 2501
 *   (resubscribe).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect, setup, sleep, waitFor } from '../harness/index.js';
import {
  codeOf,
  cookieClient,
  GrpcBackend,
  META,
  nodeConfig,
  parse,
  recordClient,
  recordSub,
} from './grpc-sdk-fixture.js';

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
});
