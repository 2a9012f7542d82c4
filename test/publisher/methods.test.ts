import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Publisher, PublisherError } from '../../packages/publisher/src/index.js';
import { Clients } from '../api/helpers.js';
import { collect, startTestNode, TEST_API_KEY, type TestNode, waitFor } from '../harness/index.js';
import { ApiProxy } from './api-proxy.js';

describe('publisher: every server API method, typed', () => {
  let node: TestNode;
  let proxy: ApiProxy;
  let publisher: Publisher;
  const clients = new Clients(() => node);

  before(async () => {
    node = await startTestNode({
      channel: {
        namespaces: [
          {
            name: 'chat',
            history_size: 10,
            history_ttl: '300s',
            presence: true,
            allow_subscribe_for_client: true,
          },
        ],
      },
    });
    proxy = await ApiProxy.start(node.baseUrl);
    publisher = new Publisher({ url: `${proxy.url}/api/`, apiKey: TEST_API_KEY, backoff: { initialMs: 10 } });
  });
  afterEach(() => clients.closeAll());
  after(async () => {
    await proxy.stop();
    await node.stop();
  });

  it('publish and broadcast: positions, per-channel responses, delivery, an idempotency key on each', async () => {
    const client = await clients.connect('u1');
    const sub = client.newSubscription('chat:a');
    const got = collect(sub);
    sub.subscribe();
    await sub.ready(3000);

    const first = await publisher.publish({ channel: 'chat:a', data: { n: 1 } });
    assert.equal(first.offset, 1);
    assert.equal(typeof first.epoch, 'string');
    assert.deepEqual(await publisher.publish({ channel: 'news', data: 'x' }), {});

    const broadcast = await publisher.broadcast({ channels: ['chat:a', 'news', 'nope:x'], data: { n: 2 } });
    assert.equal(broadcast.responses.length, 3);
    assert.deepEqual(broadcast.responses[0], { result: { offset: 2, epoch: first.epoch } });
    assert.deepEqual(broadcast.responses[1], { result: {} });
    assert.equal((broadcast.responses[2] as { error: { code: number } }).error.code, 102);

    await waitFor(() => got.length === 2, 'two publications');
    assert.deepEqual(
      got.map((p) => p.data),
      [{ n: 1 }, { n: 2 }],
    );
    const keys = proxy.requests
      .filter((r) => r.path === '/api/publish' || r.path === '/api/broadcast')
      .map((r) => r.body['idempotency_key']);
    assert.equal(keys.length, 3);
    for (const key of keys) assert.match(String(key), /^[0-9a-f-]{36}$/);
    assert.equal(new Set(keys).size, 3);

    await publisher.publish({ channel: 'news', data: 1, idempotency_key: 'mine' });
    assert.equal(proxy.requests.at(-1)!.body['idempotency_key'], 'mine');
  });

  it('presence, presence_stats, channels, connections, info', async () => {
    const client = await clients.connect('u2');
    const clientId = clients.id(client);
    const sub = client.newSubscription('chat:p');
    sub.subscribe();
    await sub.ready(3000);

    const presence = await publisher.presence({ channel: 'chat:p' });
    assert.equal(presence.presence[clientId]?.user, 'u2');
    assert.deepEqual(await publisher.presenceStats({ channel: 'chat:p' }), { num_clients: 1, num_users: 1 });
    const channels = await publisher.channels({ pattern: 'chat:*' });
    assert.deepEqual(channels.channels['chat:p'], { num_clients: 1 });
    const connections = await publisher.connections({ user: 'u2' });
    assert.deepEqual(connections.connections[clientId]?.channels.includes('chat:p'), true);
    const info = await publisher.info();
    assert.equal(info.nodes.length, 1);
    assert.equal(info.nodes[0]!.num_clients, 1);
    assert.equal(typeof info.nodes[0]!.counters.publications, 'number');
  });

  it('history and history_remove', async () => {
    await publisher.publish({ channel: 'chat:h', data: 'one', tags: { t: 'x' } });
    await publisher.publish({ channel: 'chat:h', data: 'two' });
    const history = await publisher.history({ channel: 'chat:h', limit: -1 });
    assert.equal(history.offset, 2);
    assert.deepEqual(
      history.publications.map((p) => [p.data, p.offset, p.tags]),
      [
        ['one', 1, { t: 'x' }],
        ['two', 2, undefined],
      ],
    );
    assert.deepEqual(await publisher.historyRemove({ channel: 'chat:h' }), {});
    const after = await publisher.history({ channel: 'chat:h', limit: -1 });
    assert.deepEqual(after.publications, []);
    assert.equal(after.offset, 2);
  });

  it('subscribe, unsubscribe, refresh, disconnect act on a connected user', async () => {
    const client = await clients.connect('u3');
    const subscribed: string[] = [];
    client.on('subscribed', (ctx) => subscribed.push(ctx.channel));
    const unsubscribed: string[] = [];
    client.on('unsubscribed', (ctx) => unsubscribed.push(ctx.channel));
    assert.deepEqual(await publisher.subscribe({ user: 'u3', channel: 'chat:s' }), {});
    await waitFor(() => subscribed.includes('chat:s'), 'server-side subscription');
    assert.deepEqual(await publisher.unsubscribe({ user: 'u3', channel: 'chat:s' }), {});
    await waitFor(() => unsubscribed.includes('chat:s'), 'server-side unsubscription');
    assert.deepEqual(
      await publisher.refresh({ user: 'u3', expire_at: Math.floor(Date.now() / 1000) + 60 }),
      {},
    );
    const closed = new Promise<number>((resolve) => client.on('disconnected', (ctx) => resolve(ctx.code)));
    assert.deepEqual(await publisher.disconnect({ user: 'u3' }), {});
    assert.equal(await closed, 3503);
  });

  it('batch: replies in command order, errors per command, idempotency keys added to publishes', async () => {
    const before = proxy.requests.length;
    const replies = await publisher.batch([
      { method: 'publish', params: { channel: 'chat:b', data: 1 } },
      { method: 'presence_stats', params: { channel: 'news' } },
      { method: 'history', params: { channel: 'chat:b', limit: -1 } },
    ]);
    assert.equal(proxy.requests.length, before + 1);
    assert.deepEqual(replies[0], {
      publish: { offset: 1, epoch: (replies[0] as { publish: { epoch: string } }).publish.epoch },
    });
    assert.equal((replies[1] as { error: { code: number } }).error.code, 108);
    assert.equal((replies[2] as { history: { publications: unknown[] } }).history.publications.length, 1);
    const sent = proxy.requests.at(-1)!.body['commands'] as { params: { idempotency_key?: string } }[];
    assert.match(String(sent[0]!.params.idempotency_key), /^[0-9a-f-]{36}$/);
    assert.equal(sent[1]!.params.idempotency_key, undefined);
  });

  it('permanent errors are thrown typed and not retried: 107, 102, 108, 112, 101', async () => {
    const cases: [() => Promise<unknown>, number, number][] = [
      [() => publisher.publish({ channel: '', data: 1 }), 107, 200],
      [() => publisher.publish({ channel: 'nope:x', data: 1 }), 102, 200],
      [() => publisher.presence({ channel: 'news' }), 108, 200],
      [() => publisher.history({ channel: 'chat:e', since: { offset: 0, epoch: 'wrong' } }), 112, 200],
      [() => new Publisher({ url: proxy.url, apiKey: 'wrong', retries: 5 }).info(), 101, 401],
    ];
    for (const [call, code, status] of cases) {
      const before = proxy.requests.length;
      const error = await call().then(
        () => assert.fail(`expected error ${code}`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof PublisherError, String(error));
      assert.equal(error.kind, 'api');
      assert.equal(error.code, code);
      assert.equal(error.status, status);
      assert.equal(error.temporary, false);
      assert.equal(error.attempts, 1);
      assert.equal(proxy.requests.length, before + 1, `error ${code} sent once`);
    }
  });
});
