import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Centrifuge } from 'centrifuge';
import { sleep, startTestNode, type TestNode, waitFor } from '../harness/index.js';
import { apiError, Clients } from './helpers.js';

interface HistoryBody {
  publications: { data: unknown; offset: number }[];
  offset: number;
  epoch: string;
}

const namespaces = [
  { name: 'room', presence: true },
  { name: 'chat', history_size: 100, history_ttl: '300s', force_recovery: true },
  { name: 'small', history_size: 3, history_ttl: '300s' },
];

/** Subscribes a connected client to `channel` (client-side) and waits until it is subscribed. */
async function join(client: Centrifuge, channel: string): Promise<void> {
  const sub = client.newSubscription(channel);
  sub.subscribe();
  await sub.ready(3000);
}

describe('server API: presence and history', () => {
  let node: TestNode;
  const clients = new Clients(() => node);
  before(async () => {
    node = await startTestNode({ channel: { namespaces } });
  });
  afterEach(() => clients.closeAll());
  after(() => node.stop());

  async function history(params: Record<string, unknown>): Promise<HistoryBody> {
    const res = await node.api('history', params);
    assert.equal(res.status, 200);
    const result = res.body['result'] as HistoryBody | undefined;
    assert.ok(result !== undefined, `expected a result, got ${JSON.stringify(res.body)}`);
    return result;
  }

  it('presence lists every client with its user; presence_stats counts clients and users', async () => {
    const a1 = await clients.connect('u1');
    const a2 = await clients.connect('u1');
    const b = await clients.connect('u2');
    for (const client of [a1, a2, b]) await join(client, 'room:p');

    const expected = new Map([
      [clients.id(a1), 'u1'],
      [clients.id(a2), 'u1'],
      [clients.id(b), 'u2'],
    ]);
    let presence: Record<string, { user: string; client: string }> = {};
    const read = async () => {
      const res = await node.api('presence', { channel: 'room:p' });
      assert.equal(res.status, 200);
      presence = (res.body['result'] as { presence: typeof presence }).presence;
    };
    await read();
    for (let i = 0; i < 50 && Object.keys(presence).length < 3; i++) await read();
    assert.deepEqual(new Set(Object.keys(presence)), new Set(expected.keys()));
    for (const [client, entry] of Object.entries(presence)) {
      assert.equal(entry.client, client);
      assert.equal(entry.user, expected.get(client));
    }

    const stats = await node.api('presence_stats', { channel: 'room:p' });
    assert.deepEqual(stats.body, { result: { num_clients: 3, num_users: 2 } });

    // One of u1's clients leaves: still two users; then u2 leaves: one user.
    a2.disconnect();
    await waitForStats(node, 'room:p', { num_clients: 2, num_users: 2 });
    b.disconnect();
    await waitForStats(node, 'room:p', { num_clients: 1, num_users: 1 });
  });

  it('presence of an empty channel is empty', async () => {
    const res = await node.api('presence', { channel: 'room:empty' });
    assert.deepEqual(res.body, { result: { presence: {} } });
    const stats = await node.api('presence_stats', { channel: 'room:empty' });
    assert.deepEqual(stats.body, { result: { num_clients: 0, num_users: 0 } });
  });

  it('presence and presence_stats fail with 108 where presence is off, 102 in an unknown namespace', async () => {
    for (const method of ['presence', 'presence_stats']) {
      assert.equal(apiError((await node.api(method, { channel: 'news' })).body).code, 108, method);
      assert.equal(apiError((await node.api(method, { channel: 'chat:x' })).body).code, 108, method);
      assert.equal(apiError((await node.api(method, { channel: 'nowhere:x' })).body).code, 102, method);
    }
  });

  it('history returns the stream position, with limit, since and reverse', async () => {
    const channel = 'chat:hist';
    for (let i = 1; i <= 5; i++) await node.api('publish', { channel, data: { i } });
    const data = (body: HistoryBody) => body.publications.map((p) => (p.data as { i: number }).i);

    // No limit: the position only.
    const top = await history({ channel });
    assert.deepEqual(top.publications, []);
    assert.equal(top.offset, 5);
    assert.equal(typeof top.epoch, 'string');
    assert.notEqual(top.epoch, '');

    const all = await history({ channel, limit: -1 });
    assert.deepEqual(data(all), [1, 2, 3, 4, 5]);
    assert.deepEqual(
      all.publications.map((p) => p.offset),
      [1, 2, 3, 4, 5],
    );
    assert.equal(all.epoch, top.epoch);

    assert.deepEqual(data(await history({ channel, limit: 2 })), [1, 2]);
    assert.deepEqual(data(await history({ channel, limit: 2, reverse: true })), [5, 4]);
    assert.deepEqual(data(await history({ channel, limit: -1, reverse: true })), [5, 4, 3, 2, 1]);
    const since = { offset: 2, epoch: top.epoch };
    assert.deepEqual(data(await history({ channel, limit: -1, since })), [3, 4, 5]);
    assert.deepEqual(data(await history({ channel, limit: 1, since })), [3]);
    assert.deepEqual(data(await history({ channel, limit: -1, since: { offset: 5, epoch: top.epoch } })), []);
    assert.deepEqual(
      data(await history({ channel, limit: -1, since: { offset: 4 }, reverse: true })),
      [3, 2, 1],
    );
    assert.deepEqual(data(await history({ channel, limit: 0, since })), []);
  });

  it('history with a wrong epoch in since fails with 112', async () => {
    const channel = 'chat:epoch';
    await node.api('publish', { channel, data: 1 });
    const res = await node.api('history', {
      channel,
      limit: -1,
      since: { offset: 0, epoch: 'not-the-epoch' },
    });
    assert.equal(res.status, 200);
    assert.equal(apiError(res.body).code, 112);
  });

  it('history rejects bad parameters with 107', async () => {
    const channel = 'chat:bad';
    for (const params of [
      { channel, limit: -2 },
      { channel, limit: 1.5 },
      { channel, limit: '3' },
      { channel, reverse: 'yes' },
      { channel, since: 3 },
      { channel, since: { offset: -1 } },
      { channel, since: { offset: 1, epoch: 7 } },
    ]) {
      const res = await node.api('history', params);
      assert.equal(apiError(res.body).code, 107, JSON.stringify(params));
    }
  });

  it('history keeps at most history_size publications', async () => {
    const channel = 'small:cap';
    for (let i = 1; i <= 5; i++) await node.api('publish', { channel, data: i });
    const all = await history({ channel, limit: -1 });
    assert.deepEqual(
      all.publications.map((p) => p.data),
      [3, 4, 5],
    );
    assert.equal(all.offset, 5);
  });

  it('history and history_remove fail with 108 where history is off', async () => {
    assert.equal(apiError((await node.api('history', { channel: 'news', limit: -1 })).body).code, 108);
    assert.equal(apiError((await node.api('history_remove', { channel: 'news' })).body).code, 108);
    assert.equal(apiError((await node.api('history', { channel: 'nowhere:x' })).body).code, 102);
    assert.equal(apiError((await node.api('history_remove', { channel: 'nowhere:x' })).body).code, 102);
  });

  it('history_remove drops publications and keeps offset and epoch', async () => {
    const channel = 'chat:remove';
    for (let i = 1; i <= 3; i++) await node.api('publish', { channel, data: i });
    const before = await history({ channel, limit: -1 });
    assert.equal(before.publications.length, 3);

    const res = await node.api('history_remove', { channel });
    assert.deepEqual(res.body, { result: {} });
    const afterRemove = await history({ channel, limit: -1 });
    assert.deepEqual(afterRemove.publications, []);
    assert.equal(afterRemove.offset, before.offset);
    assert.equal(afterRemove.epoch, before.epoch);

    const next = await node.api('publish', { channel, data: 4 });
    assert.deepEqual(next.body, { result: { offset: before.offset + 1, epoch: before.epoch } });
    const later = await history({ channel, limit: -1 });
    assert.deepEqual(
      later.publications.map((p) => p.data),
      [4],
    );
  });
});

async function waitForStats(
  node: TestNode,
  channel: string,
  want: { num_clients: number; num_users: number },
): Promise<void> {
  let last: unknown;
  await waitFor(
    async () => {
      last = (await node.api('presence_stats', { channel })).body['result'];
      return JSON.stringify(last) === JSON.stringify(want);
    },
    { timeoutMs: 3000, intervalMs: 20 },
  ).catch(() => {});
  assert.deepEqual(last, want);
}

describe('server API: channels and info', () => {
  let node: TestNode;
  const clients = new Clients(() => node);
  before(async () => {
    node = await startTestNode({ channel: { namespaces } });
  });
  afterEach(() => clients.closeAll());
  after(() => node.stop());

  async function channels(pattern?: string): Promise<Record<string, { num_clients: number }>> {
    const res = await node.api('channels', pattern === undefined ? {} : { pattern });
    assert.equal(res.status, 200);
    return (res.body['result'] as { channels: Record<string, { num_clients: number }> }).channels;
  }

  async function nodeInfo(): Promise<Record<string, unknown>> {
    const res = await node.api('info');
    assert.equal(res.status, 200);
    const nodes = (res.body['result'] as { nodes: Record<string, unknown>[] }).nodes;
    assert.equal(nodes.length, 1);
    return nodes[0]!;
  }

  it('channels lists subscribed channels with num_clients, filtered by a pattern', async () => {
    const a1 = await clients.connect('u1');
    const a2 = await clients.connect('u1');
    const b = await clients.connect('u2');
    await join(a1, 'chat:a');
    await join(a2, 'chat:a');
    await join(b, 'chat:b');
    await join(b, 'news');

    const every = await channels();
    assert.deepEqual(every, {
      'chat:a': { num_clients: 2 },
      'chat:b': { num_clients: 1 },
      news: { num_clients: 1 },
      '#u1': { num_clients: 2 },
      '#u2': { num_clients: 1 },
    });
    assert.deepEqual(await channels('chat:*'), {
      'chat:a': { num_clients: 2 },
      'chat:b': { num_clients: 1 },
    });
    assert.deepEqual(await channels('*:b'), { 'chat:b': { num_clients: 1 } });
    assert.deepEqual(await channels('#*'), { '#u1': { num_clients: 2 }, '#u2': { num_clients: 1 } });
    assert.deepEqual(await channels('nothing*'), {});
    assert.deepEqual(await channels(''), every);

    b.disconnect();
    let left: Record<string, { num_clients: number }> = {};
    for (let i = 0; i < 100; i++) {
      left = await channels('chat:*');
      if (left['chat:b'] === undefined) break;
      await sleep(20);
    }
    assert.deepEqual(left, { 'chat:a': { num_clients: 2 } });
  });

  it('a pattern matches literally apart from *', async () => {
    const client = await clients.connect('u3');
    await join(client, 'a.b');
    await join(client, 'aXb');
    await join(client, 'a+b');
    assert.deepEqual(Object.keys(await channels('a.b')), ['a.b']);
    assert.deepEqual(Object.keys(await channels('a+b')), ['a+b']);
    assert.deepEqual(Object.keys(await channels('a*b')).sort(), ['a+b', 'a.b', 'aXb']);
    assert.deepEqual(Object.keys(await channels('**a**b**')).sort(), ['a+b', 'a.b', 'aXb']);
    const tooLong = await node.api('channels', { pattern: 'x'.repeat(2000) });
    assert.equal(apiError(tooLong.body).code, 107);
    assert.equal(apiError((await node.api('channels', { pattern: 5 })).body).code, 107);
  });

  /** Info once the node has no clients (those of earlier tests may still be closing). */
  async function idleInfo(): Promise<Record<string, unknown>> {
    let info = await nodeInfo();
    for (let i = 0; i < 100 && info['num_clients'] !== 0; i++) {
      await sleep(20);
      info = await nodeInfo();
    }
    return info;
  }

  it('a pattern with many * against a long channel name answers at once', async () => {
    const client = await clients.connect('u4');
    const long = 'a'.repeat(200);
    await join(client, long);
    const started = Date.now();
    // A regex translation (`.*a.*a…b`) backtracks exponentially here and blocks the node.
    assert.deepEqual(await channels(`${'*a'.repeat(30)}b`), {});
    assert.deepEqual(Object.keys(await channels(`${'*a'.repeat(30)}*`)), [long]);
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  });

  it('info shows this node with its client, user and channel counts', async () => {
    const empty = await idleInfo();
    assert.equal(typeof empty['uid'], 'string');
    assert.equal(typeof empty['name'], 'string');
    assert.equal(typeof empty['version'], 'string');
    assert.equal(typeof empty['uptime'], 'number');
    assert.equal(empty['uid'], node.app.node.uid);
    assert.equal(empty['num_clients'], 0);
    assert.equal(empty['num_users'], 0);
    assert.equal(empty['num_channels'], 0);

    const a1 = await clients.connect('u1');
    const a2 = await clients.connect('u1');
    const b = await clients.connect('u2');
    await join(a1, 'chat:x');
    await join(b, 'chat:x');
    await join(a2, 'news');
    const busy = await nodeInfo();
    assert.equal(busy['num_clients'], 3);
    assert.equal(busy['num_users'], 2);
    // chat:x, news and the personal channels #u1, #u2.
    assert.equal(busy['num_channels'], 4);
    assert.equal(busy['uid'], empty['uid']);

    clients.closeAll();
    const last = await idleInfo();
    assert.equal(last['num_clients'], 0);
    assert.equal(last['num_users'], 0);
    assert.equal(last['num_channels'], 0);
  });
});
