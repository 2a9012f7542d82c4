/**
 * Tags filters over real sockets with raw frames: `tf` refused where the namespace lacks
 * `allow_tags_filter` or the tree is invalid (107, as Centrifugo), applied to live publications
 * from the server API's `tags`, and to recovered ones; a filtered-out publication moves a
 * positioned subscriber's position without counting as a gap.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { errorCode, type RawClient, rawConnect } from '../harness/raw-client.js';

type Msg = Record<string, unknown>;

const HISTORY = { history_size: 20, history_ttl: '300s' };

/** Publications pushed to a raw client, as `{n, offset}` from their data and offset. */
function pushed(client: RawClient, channel: string): { n: number; offset?: number }[] {
  return client.received.flatMap((m) => {
    const push = m['push'] as
      | { channel?: string; pub?: { data: { n: number }; offset?: number } }
      | undefined;
    if (push?.channel !== channel || push.pub === undefined) return [];
    return [{ n: push.pub.data.n, offset: push.pub.offset }];
  });
}

describe('tags filter over raw frames', () => {
  let node: TestNode;
  const clients: RawClient[] = [];
  before(async () => {
    node = await startTestNode({
      channel: {
        namespaces: [
          {
            name: 'tagged',
            ...HISTORY,
            allow_tags_filter: true,
            allow_recovery: true,
            allow_positioning: true,
          },
          { name: 'plain', ...HISTORY, allow_recovery: true },
          { name: 'locked', allow_tags_filter: true, allow_subscribe_for_client: false },
        ],
      },
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
  });
  after(() => node.stop());

  async function connect(user = 'alice'): Promise<RawClient> {
    const client = await rawConnect(node.wsUrl);
    clients.push(client);
    const reply = await client.call(1, 'connect', { token: await node.token(user) });
    assert.ok(reply['connect'], JSON.stringify(reply));
    return client;
  }

  async function publish(channel: string, n: number, tags?: Record<string, string>): Promise<void> {
    const res = await node.api('publish', { channel, data: { n }, ...(tags ? { tags } : {}) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  it('refuses tf where the namespace does not allow it (107) and takes tf: null as none', async () => {
    const c = await connect();
    const tf = { key: 'kind', cmp: 'eq', val: 'a' };
    const refused = await c.call(2, 'subscribe', { channel: 'plain:x', tf });
    assert.equal(errorCode(refused), 107, JSON.stringify(refused));
    assert.deepEqual(await c.call(3, 'subscribe', { channel: 'plain:x', tf: null }), {
      id: 3,
      subscribe: {},
    });
  });

  it('refuses an invalid tree with 107 and stays connected, after the namespace and permission checks', async () => {
    const c = await connect();
    for (const [i, tf] of [
      { op: 'xor' },
      { key: 'kind', cmp: 'in', vals: [] },
      { op: 'not', nodes: [] },
    ].entries()) {
      assert.equal(errorCode(await c.call(10 + i, 'subscribe', { channel: 'tagged:bad', tf })), 107);
    }
    assert.equal(errorCode(await c.call(20, 'subscribe', { channel: 'nope:bad', tf: { op: 'xor' } })), 102);
    assert.equal(errorCode(await c.call(21, 'subscribe', { channel: 'locked:bad', tf: { op: 'xor' } })), 103);
    assert.ok((await c.call(22, 'subscribe', { channel: 'tagged:bad' }))['subscribe']);
  });

  it('delivers only matching live publications to a filtered subscriber, all to the others', async () => {
    const channel = 'tagged:live';
    const filtered = await connect('alice');
    const everyone = await connect('bob');
    const tf = {
      op: 'or',
      nodes: [
        { key: 'kind', cmp: 'eq', val: 'a' },
        { key: 'price', cmp: 'gt', val: '100' },
      ],
    };
    assert.ok((await filtered.call(2, 'subscribe', { channel, tf }))['subscribe']);
    assert.ok((await everyone.call(2, 'subscribe', { channel }))['subscribe']);
    await publish(channel, 1, { kind: 'b' });
    await publish(channel, 2, { kind: 'a' });
    await publish(channel, 3);
    await publish(channel, 4, { kind: 'b', price: '100.5' });
    await publish(channel, 5, { price: '99.99' });
    await waitFor(
      () => pushed(everyone, channel).length === 5,
      'five publications to the unfiltered subscriber',
    );
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      pushed(filtered, channel).map((p) => p.n),
      [2, 4],
    );
    // The same push, byte for byte in content, to both (one encoding for every subscriber).
    const first = (c: RawClient) =>
      c.received.find((m) => (m['push'] as Msg | undefined)?.['pub'] !== undefined);
    const shared = pushed(everyone, channel).findIndex((p) => p.n === 2);
    assert.equal(shared, 1);
    assert.deepEqual(first(filtered), everyone.received.filter((m) => m['push'] !== undefined)[shared]);
  });

  it('recovers only matching publications; recovery still needs the whole stream', async () => {
    const channel = 'tagged:recover';
    const tf = { key: 'kind', cmp: 'eq', val: 'a' };
    const first = await connect();
    const reply = await first.call(2, 'subscribe', { channel, tf, recoverable: true });
    const { epoch } = reply['subscribe'] as { epoch: string };
    first.ws.terminate();
    for (const [n, kind] of [
      [1, 'a'],
      [2, 'b'],
      [3, 'a'],
      [4, 'b'],
    ] as const) {
      await publish(channel, n, { kind });
    }
    const again = await connect();
    const recover = { channel, tf, recoverable: true, recover: true, epoch, offset: 0 };
    const result = (await again.call(2, 'subscribe', recover))['subscribe'] as Msg;
    assert.equal(result['recovered'], true);
    const pubs = result['publications'] as { data: { n: number }; offset: number }[];
    assert.deepEqual(
      pubs.map((p) => [p.data.n, p.offset]),
      [
        [1, 1],
        [3, 3],
      ],
    );
    // The subscription continues after the last publication, matching or not.
    assert.equal(node.app.node.hub.subscribers(channel)[0]?.offset, 4);
  });

  it('filters publications that arrive while the subscribe is being set up', async () => {
    const channel = 'tagged:during';
    const c = await connect();
    // Publications race the subscribe: some are buffered before its reply, the rest arrive live.
    const publishing = (async () => {
      for (let n = 1; n <= 60; n++) await publish(channel, n, { kind: n % 3 === 0 ? 'a' : 'b' });
    })();
    const reply = await c.call(2, 'subscribe', {
      channel,
      recoverable: true,
      tf: { key: 'kind', cmp: 'eq', val: 'a' },
    });
    assert.ok(reply['subscribe'], JSON.stringify(reply));
    await publishing;
    await waitFor(() => pushed(c, channel).at(-1)?.n === 60, 'the last matching publication');
    const got = pushed(c, channel);
    assert.ok(
      got.every((p) => p.n % 3 === 0 && p.offset === p.n),
      JSON.stringify(got),
    );
    assert.deepEqual(
      got.map((p) => p.n),
      [...new Set(got.map((p) => p.n))].sort((a, b) => a - b),
    );
    assert.equal(
      c.received.some((m) => (m['push'] as Msg | undefined)?.['unsubscribe'] !== undefined),
      false,
    );
  });

  it('moves a positioned subscriber past filtered-out publications without a gap', async () => {
    const channel = 'tagged:positioned';
    const c = await connect();
    const reply = await c.call(2, 'subscribe', {
      channel,
      positioned: true,
      recoverable: true,
      tf: { key: 'kind', cmp: 'eq', val: 'a' },
    });
    const result = reply['subscribe'] as { epoch: string };
    for (const [n, kind] of [
      [1, 'b'],
      [2, 'b'],
      [3, 'a'],
      [4, 'b'],
      [5, 'a'],
    ] as const) {
      await publish(channel, n, { kind });
    }
    await waitFor(() => pushed(c, channel).length === 2, 'the two matching publications');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(pushed(c, channel), [
      { n: 3, offset: 3 },
      { n: 5, offset: 5 },
    ]);
    // No unsubscribe push (insufficient state) and the connection is open.
    assert.equal(
      c.received.some((m) => (m['push'] as Msg | undefined)?.['unsubscribe'] !== undefined),
      false,
    );
    assert.equal(c.ws.readyState, c.ws.OPEN);
    assert.equal(node.app.node.hub.subscribers(channel)[0]?.offset, 5);
    assert.ok(result.epoch);
  });
});
