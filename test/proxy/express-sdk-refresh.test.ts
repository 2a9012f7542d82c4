/**
 * The official centrifuge JS SDK on a node that refreshes connections and subscriptions itself
 * through the refresh and sub_refresh proxies of a real Express 5 app (`express-backend.ts`):
 *
 * - an expiring connection is extended by the node, the refreshed info shows in its publications
 *   and presence; once the backend says expired: 3005 and the SDK reconnects;
 * - a backend failing at refresh time disconnects nobody (the next try is a minute away);
 * - an expiring subscription is extended with the refreshed channel info; once expired: 2501 and
 *   the SDK resubscribes (refused here: the subscription ends).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect, setup, sleep, waitFor } from '../harness/index.js';
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
});
