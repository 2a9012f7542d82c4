/**
 * Subscribe and publish fields of features Switchboard does not implement are refused with
 * Centrifugo's codes over real sockets, instead of being ignored: map and shared-poll subscription
 * types, unknown delta types, map publishes and removals, and fields of the wrong JSON type.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestNode, type TestNode } from '../harness/node.js';
import { closeCode, errorCode, type RawClient, rawConnect } from '../harness/raw-client.js';

const CHANNELS = {
  namespaces: [{ name: 'room', history_size: 10, history_ttl: '300s', allow_publish_for_client: true }],
};

async function connect(node: TestNode, user = 'alice'): Promise<RawClient> {
  const client = await rawConnect(node.wsUrl);
  const reply = await client.call(1, 'connect', { token: await node.token(user) });
  assert.ok(reply['connect'], JSON.stringify(reply));
  return client;
}

describe('fields Switchboard does not implement', () => {
  let node: TestNode;
  const clients: RawClient[] = [];
  before(async () => {
    node = await startTestNode({ channel: CHANNELS });
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    await node.stop();
  });
  async function client(): Promise<RawClient> {
    const c = await connect(node);
    clients.push(c);
    return c;
  }

  it('refuses map subscription types with 103', async () => {
    const c = await client();
    const before = node.app.node.hub.numSubscriptions;
    for (const [i, type] of [1, 2, 3].entries()) {
      const reply = await c.call(10 + i, 'subscribe', { channel: `room:t${type}`, type });
      assert.equal(errorCode(reply), 103, `type ${type}: ${JSON.stringify(reply)}`);
    }
    // After the namespace: an unknown one is 102 first, as in Centrifugo.
    assert.equal(errorCode(await c.call(20, 'subscribe', { channel: 'nope:x', type: 1 })), 102);
    // Type 0, null and a negative type are a stream subscription, as in Centrifugo.
    for (const [i, type] of [0, null, -1].entries()) {
      const reply = await c.call(21 + i, 'subscribe', { channel: `room:s${type}`, type });
      assert.deepEqual(reply, { id: 21 + i, subscribe: {} });
    }
    assert.equal(node.app.node.hub.numSubscriptions, before + 3);
  });

  it('closes with 3004 on a type above 4, after every other check, as Centrifugo', async () => {
    const c = await client();
    assert.equal(errorCode(await c.call(2, 'subscribe', { channel: 'nope:t5', type: 5 })), 102);
    const badFilter = { channel: 'room:t5', type: 5, tf: { op: 'xor' } };
    assert.equal(errorCode(await c.call(3, 'subscribe', badFilter)), 107);
    c.send(JSON.stringify({ id: 4, subscribe: { channel: 'room:t5', type: 5 } }));
    assert.equal(await closeCode(c), 3004);
  });

  it('refuses a shared-poll subscription with 108, before the namespace and the delta', async () => {
    const c = await client();
    assert.equal(errorCode(await c.call(2, 'subscribe', { channel: 'room:p', type: 4 })), 108);
    assert.equal(errorCode(await c.call(3, 'subscribe', { channel: 'nope:p', type: 4, delta: 'zip' })), 108);
  });

  it('closes with 3501 on a delta type Centrifugo does not know, and ignores fossil', async () => {
    const c = await client();
    // fossil: no namespace allows deltas, so the subscription is made without one (no `delta: true`).
    assert.deepEqual(await c.call(2, 'subscribe', { channel: 'room:f', delta: 'fossil' }), {
      id: 2,
      subscribe: {},
    });
    // Map types never reach the delta check: 103.
    assert.equal(errorCode(await c.call(3, 'subscribe', { channel: 'room:m', type: 1, delta: 'zip' })), 103);
    c.send(JSON.stringify({ id: 4, subscribe: { channel: 'room:z', delta: 'zip' } }));
    assert.equal(await closeCode(c), 3501);
  });

  for (const [what, params] of [
    ['a string type', { channel: 'room:x', type: '1' }],
    ['a fractional type', { channel: 'room:x', type: 1.5 }],
    ['a type beyond 32 bits', { channel: 'room:x', type: 2 ** 31 }],
    ['a number delta', { channel: 'room:x', delta: 1 }],
    ['a string asc', { channel: 'room:x', asc: 'yes' }],
    ['a number cursor', { channel: 'room:x', cursor: 3 }],
    ['a string tf', { channel: 'room:x', tf: 'kind' }],
  ] as const) {
    it(`closes a subscribe with ${what} with 3501, as a command Centrifugo cannot decode`, async () => {
      const c = await client();
      c.send(JSON.stringify({ id: 2, subscribe: params }));
      assert.equal(await closeCode(c), 3501);
    });
  }

  it('ignores the paging fields of map subscriptions and data on a stream subscription', async () => {
    const c = await client();
    const params = { channel: 'room:page', phase: 1, cursor: 'c', limit: 5, asc: true, data: { any: 1 } };
    assert.deepEqual(await c.call(2, 'subscribe', params), { id: 2, subscribe: {} });
  });

  it('refuses a map publish and a map removal with 103, without publishing', async () => {
    const c = await client();
    assert.deepEqual(await c.call(2, 'subscribe', { channel: 'room:map' }), { id: 2, subscribe: {} });
    const publish = await c.call(3, 'publish', { channel: 'room:map', data: { v: 1 }, type: 1, key: 'k1' });
    assert.equal(errorCode(publish), 103);
    const remove = await c.call(4, 'publish', { channel: 'room:map', type: 1, key: 'k1', removed: true });
    assert.equal(errorCode(remove), 103);
    assert.equal(errorCode(await c.call(5, 'publish', { channel: 'nope:map', type: 1, key: 'k' })), 102);
    const history = await node.api('history', { channel: 'room:map', limit: -1 });
    assert.deepEqual((history.body['result'] as { publications?: unknown[] }).publications ?? [], []);
    assert.equal(
      c.received.some((m) => m['push'] !== undefined),
      false,
    );
  });

  it('publishes normally with another type, ignoring key and removed', async () => {
    const c = await client();
    assert.deepEqual(await c.call(2, 'publish', { channel: 'room:t2', data: { v: 2 }, type: 2, key: 'k' }), {
      id: 2,
      publish: {},
    });
    const history = await node.api('history', { channel: 'room:t2', limit: -1 });
    assert.equal((history.body['result'] as { publications: unknown[] }).publications.length, 1);
  });

  it('closes a publish with a string type or a number key with 3501', async () => {
    for (const params of [
      { channel: 'room:x', data: {}, type: '1' },
      { channel: 'room:x', data: {}, key: 7 },
      { channel: 'room:x', data: {}, removed: 'yes' },
    ]) {
      const c = await client();
      c.send(JSON.stringify({ id: 2, publish: params }));
      assert.equal(await closeCode(c), 3501, JSON.stringify(params));
    }
  });
});

describe('map publish with client.insecure', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({ client: { insecure: true }, channel: CHANNELS });
  });
  after(() => node.stop());

  it('passes the permission checks as Centrifugo would, then fails: 107 without a key, 108 with one', async () => {
    const c = await rawConnect(node.wsUrl);
    try {
      assert.ok((await c.call(1, 'connect', {}))['connect']);
      assert.equal(errorCode(await c.call(2, 'publish', { channel: 'room:m', type: 1, data: {} })), 107);
      assert.equal(errorCode(await c.call(3, 'publish', { channel: 'room:m', type: 1, key: 'k' })), 108);
    } finally {
      c.ws.terminate();
    }
  });
});
