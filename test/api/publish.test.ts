import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { PublicationContext, Subscription } from 'centrifuge';
import { collect, sleep, startTestNode, type TestNode, waitFor } from '../harness/index.js';
import { apiError, Clients } from './helpers.js';

interface Position {
  offset: number;
  epoch: string;
}

function position(body: Record<string, unknown>): Position {
  const result = body['result'] as Partial<Position> | undefined;
  assert.ok(result !== undefined, `expected a result, got ${JSON.stringify(body)}`);
  assert.equal(typeof result.offset, 'number');
  assert.equal(typeof result.epoch, 'string');
  assert.notEqual(result.epoch, '');
  return result as Position;
}

describe('server API: publish, broadcast, batch', () => {
  let node: TestNode;
  const clients = new Clients(() => node);
  before(async () => {
    node = await startTestNode({
      channel: {
        namespaces: [{ name: 'chat', history_size: 100, history_ttl: '300s', force_recovery: true }],
      },
    });
  });
  afterEach(() => clients.closeAll());
  after(() => node.stop());

  /** A connected client subscribed to `channel`, and the publications it receives. */
  async function subscriber(channel: string, user = 'reader'): Promise<[Subscription, PublicationContext[]]> {
    const client = await clients.connect(user);
    const sub = client.newSubscription(channel);
    const got = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    return [sub, got];
  }

  it('publishes to a channel without history: empty result, exact data at the subscriber', async () => {
    const [, got] = await subscriber('news');
    const data = { text: 'hello', n: 1.5, list: [1, 'two', null], nested: { ok: true }, uni: 'żółw ✓' };
    const res = await node.api('publish', { channel: 'news', data });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { result: {} });
    await waitFor(() => got.length === 1, 'publication');
    assert.deepEqual(got[0]!.data, data);
    assert.equal(got[0]!.offset, undefined);
    assert.equal(got[0]!.channel, 'news');
  });

  it('publishes scalar data as it is', async () => {
    const [, got] = await subscriber('scalars');
    for (const data of ['text', 0, false, null, [1, 2]]) {
      const res = await node.api('publish', { channel: 'scalars', data });
      assert.deepEqual(res.body, { result: {} });
    }
    await waitFor(() => got.length === 5, 'five publications');
    assert.deepEqual(
      got.map((p) => p.data),
      ['text', 0, false, null, [1, 2]],
    );
  });

  it('returns increasing offsets and a stable epoch on a channel with history', async () => {
    const [, got] = await subscriber('chat:offsets');
    const positions: Position[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await node.api('publish', { channel: 'chat:offsets', data: { i } });
      assert.equal(res.status, 200);
      positions.push(position(res.body));
    }
    const first = positions[0]!;
    assert.deepEqual(
      positions.map((p) => p.offset),
      [1, 2, 3, 4, 5].map((n) => first.offset + n - 1),
    );
    for (const p of positions) assert.equal(p.epoch, first.epoch);
    await waitFor(() => got.length === 5, 'five publications');
    assert.deepEqual(
      got.map((p) => p.offset),
      positions.map((p) => p.offset),
    );
    assert.deepEqual(
      got.map((p) => (p.data as { i: number }).i),
      [0, 1, 2, 3, 4],
    );
  });

  it('suppresses a repeated idempotency_key: same result, one delivery', async () => {
    const [, got] = await subscriber('chat:idem');
    const params = { channel: 'chat:idem', data: { n: 1 }, idempotency_key: 'k-1' };
    const first = await node.api('publish', params);
    const second = await node.api('publish', params);
    assert.equal(first.status, 200);
    assert.deepEqual(second.body, first.body);
    const firstPos = position(first.body);
    await waitFor(() => got.length === 1, 'the publication');
    await sleep(150);
    assert.equal(got.length, 1, 'delivered exactly once');

    const other = await node.api('publish', { ...params, idempotency_key: 'k-2' });
    const otherPos = position(other.body);
    assert.equal(otherPos.offset, firstPos.offset + 1);
    assert.equal(otherPos.epoch, firstPos.epoch);
    await waitFor(() => got.length === 2, 'the publication under another key');
    const history = await node.api('history', { channel: 'chat:idem', limit: -1 });
    assert.equal((history.body['result'] as { publications: unknown[] }).publications.length, 2);
  });

  it('suppresses a repeated idempotency_key on a channel without history', async () => {
    const [, got] = await subscriber('plain-idem');
    const params = { channel: 'plain-idem', data: 'once', idempotency_key: 'same' };
    assert.deepEqual((await node.api('publish', params)).body, { result: {} });
    assert.deepEqual((await node.api('publish', params)).body, { result: {} });
    await waitFor(() => got.length === 1, 'the publication');
    await sleep(150);
    assert.equal(got.length, 1);
    // Keys are per channel: the same key elsewhere publishes.
    const [, elsewhere] = await subscriber('plain-idem-2');
    await node.api('publish', { ...params, channel: 'plain-idem-2' });
    await waitFor(() => elsewhere.length === 1, 'the publication in another channel');
  });

  it('delivers tags with the publication', async () => {
    const [, got] = await subscriber('chat:tags');
    const tags = { kind: 'greeting', lang: 'en' };
    const res = await node.api('publish', { channel: 'chat:tags', data: { t: 1 }, tags });
    position(res.body);
    await waitFor(() => got.length === 1, 'tagged publication');
    assert.deepEqual(got[0]!.tags, tags);
    await node.api('publish', { channel: 'chat:tags', data: { t: 2 } });
    await waitFor(() => got.length === 2, 'untagged publication');
    assert.ok(got[1]!.tags === undefined || Object.keys(got[1]!.tags).length === 0);
  });

  it('skip_history delivers without storing and keeps the position', async () => {
    const [, got] = await subscriber('chat:skip');
    const before = position((await node.api('publish', { channel: 'chat:skip', data: 'kept' })).body);
    const skipped = await node.api('publish', {
      channel: 'chat:skip',
      data: 'live only',
      skip_history: true,
    });
    assert.equal(skipped.status, 200);
    assert.deepEqual(skipped.body, { result: {} });
    await waitFor(() => got.length === 2, 'both publications live');
    assert.equal(got[1]!.data, 'live only');
    const history = await node.api('history', { channel: 'chat:skip', limit: -1 });
    const result = history.body['result'] as Position & { publications: { data: unknown }[] };
    assert.deepEqual(
      result.publications.map((p) => p.data),
      ['kept'],
    );
    assert.equal(result.offset, before.offset);
    assert.equal(result.epoch, before.epoch);
    // The stream continues where it was, and the subscriber keeps its position.
    const next = position((await node.api('publish', { channel: 'chat:skip', data: 'next' })).body);
    assert.equal(next.offset, before.offset + 1);
    await waitFor(() => got.length === 3, 'the next publication');
  });

  it('broadcasts to three channels: one response per channel, in order', async () => {
    const [, news] = await subscriber('bc-news');
    const [, chat] = await subscriber('chat:bc');
    const res = await node.api('broadcast', {
      channels: ['bc-news', 'chat:bc', 'bc-other'],
      data: { b: 1 },
    });
    assert.equal(res.status, 200);
    const responses = (res.body['result'] as { responses: Record<string, unknown>[] }).responses;
    assert.equal(responses.length, 3);
    assert.deepEqual(responses[0], { result: {} });
    assert.equal(typeof (responses[1]!['result'] as Position).offset, 'number');
    assert.deepEqual(responses[2], { result: {} });
    await waitFor(() => news.length === 1 && chat.length === 1, 'broadcast delivery');
    assert.deepEqual(news[0]!.data, { b: 1 });
    assert.deepEqual(chat[0]!.data, { b: 1 });
  });

  it('broadcast reports a bad channel in its entry while the others succeed', async () => {
    const [, a] = await subscriber('bc-a');
    const [, c] = await subscriber('bc-c');
    const res = await node.api('broadcast', { channels: ['bc-a', 'nowhere:b', 'bc-c'], data: 'x' });
    assert.equal(res.status, 200);
    const responses = (res.body['result'] as { responses: Record<string, unknown>[] }).responses;
    assert.equal(responses.length, 3);
    assert.deepEqual(responses[0], { result: {} });
    assert.equal(apiError(responses[1]).code, 102);
    assert.equal(responses[1]!['result'], undefined);
    assert.deepEqual(responses[2], { result: {} });
    await waitFor(() => a.length === 1 && c.length === 1, 'delivery to the good channels');
  });

  it('broadcast without channels or data is a bad request', async () => {
    for (const params of [
      { data: 1 },
      { channels: [], data: 1 },
      { channels: [1], data: 1 },
      { channels: ['x'] },
    ]) {
      const res = await node.api('broadcast', params);
      assert.equal(apiError(res.body).code, 107, JSON.stringify(params));
    }
  });

  it('batch answers in command order, both command forms', async () => {
    const [, got] = await subscriber('chat:batch');
    const res = await node.api('batch', {
      commands: [
        { publish: { channel: 'chat:batch', data: { n: 1 } } },
        { method: 'publish', params: { channel: 'chat:batch', data: { n: 2 } } },
        { method: 'nope', params: {} },
        { publish: { channel: 'nowhere:x', data: 1 } },
        { publish: { data: 1 }, info: {} },
        { batch: { commands: [] } },
        'not an object',
        { info: {} },
      ],
    });
    assert.equal(res.status, 200);
    // Centrifugo's shape: the replies at the top level, no `result` wrapper.
    assert.deepEqual(Object.keys(res.body), ['replies']);
    const replies = (res.body as { replies: Record<string, unknown>[] }).replies;
    assert.equal(replies.length, 8);
    const p1 = replies[0]!['publish'] as Position;
    const p2 = replies[1]!['publish'] as Position;
    assert.equal(p2.offset, p1.offset + 1);
    assert.equal(p2.epoch, p1.epoch);
    assert.equal(apiError(replies[2]).code, 104);
    assert.equal(apiError(replies[3]).code, 102);
    assert.equal(apiError(replies[4]).code, 107);
    assert.equal(apiError(replies[5]).code, 107);
    assert.equal(apiError(replies[6]).code, 107);
    assert.ok(Array.isArray((replies[7]!['info'] as { nodes: unknown[] }).nodes));
    await waitFor(() => got.length === 2, 'two batch publications');
    assert.deepEqual(
      got.map((p) => (p.data as { n: number }).n),
      [1, 2],
    );
  });

  it('a sequential batch keeps publication order at the subscriber', async () => {
    const [, got] = await subscriber('batch-order');
    const commands = Array.from({ length: 200 }, (_, i) => ({
      publish: { channel: 'batch-order', data: { i } },
    }));
    const res = await node.api('batch', { commands });
    const replies = (res.body as { replies: unknown[] }).replies;
    assert.equal(replies.length, 200);
    for (const reply of replies) assert.deepEqual(reply, { publish: {} });
    await waitFor(() => got.length === 200, '200 publications');
    assert.deepEqual(
      got.map((p) => (p.data as { i: number }).i),
      [...Array(200).keys()],
    );
  });

  it('a parallel batch still answers every command in order', async () => {
    const commands = Array.from({ length: 20 }, (_, i) => ({
      method: 'publish',
      params: { channel: 'chat:parallel', data: { i } },
    }));
    const res = await node.api('batch', { commands, parallel: true });
    const replies = (res.body as { replies: { publish: Position }[] }).replies;
    assert.equal(replies.length, 20);
    const offsets = replies.map((r) => r.publish.offset);
    const sorted = [...offsets].sort((x, y) => x - y);
    assert.deepEqual(
      sorted,
      Array.from({ length: 20 }, (_, i) => sorted[0]! + i),
    );
    // Reply i belongs to command i: the publication at reply i's offset carries data i.
    const history = await node.api('history', { channel: 'chat:parallel', limit: -1 });
    const pubs = (history.body['result'] as { publications: { offset: number; data: { i: number } }[] })
      .publications;
    const byOffset = new Map(pubs.map((p) => [p.offset, p.data.i]));
    assert.deepEqual(
      offsets.map((o) => byOffset.get(o)),
      [...Array(20).keys()],
    );
  });

  it('a parallel batch with one idempotency_key publishes once', async () => {
    const [, got] = await subscriber('chat:idem-parallel');
    const commands = Array.from({ length: 5 }, () => ({
      publish: { channel: 'chat:idem-parallel', data: 'x', idempotency_key: 'par' },
    }));
    const res = await node.api('batch', { commands, parallel: true });
    const replies = (res.body as { replies: { publish: Position }[] }).replies;
    assert.equal(replies.length, 5);
    for (const reply of replies) assert.deepEqual(reply, replies[0]);
    await waitFor(() => got.length === 1, 'the publication');
    await sleep(150);
    assert.equal(got.length, 1);
  });

  it('a batch over the command limit fails with 106 and publishes nothing', async () => {
    const [, got] = await subscriber('batch-limit');
    const commands = Array.from({ length: 1001 }, () => ({ publish: { channel: 'batch-limit', data: 1 } }));
    const res = await node.api('batch', { commands });
    assert.equal(res.status, 200);
    assert.equal(apiError(res.body).code, 106);
    await sleep(100);
    assert.equal(got.length, 0);
    const ok = await node.api('batch', { commands: commands.slice(0, 1000) });
    assert.equal((ok.body as { replies: unknown[] }).replies.length, 1000);
  });

  it('a batch without a commands array is a bad request', async () => {
    for (const params of [{}, { commands: {} }, { commands: 'publish' }]) {
      const res = await node.api('batch', params);
      assert.equal(apiError(res.body).code, 107, JSON.stringify(params));
    }
  });
});
