/**
 * Hostile and malformed input from raw WebSocket clients: each case gets its protocol code (error reply
 * or close code), and after each one the node still serves a fresh SDK client end to end.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { collect, connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, TEST_API_KEY, type TestNode } from '../harness/node.js';
import { closeCode, errorCode, type RawClient, rawConnect } from '../harness/raw-client.js';

type Reply = Record<string, unknown>;

/** Connect, subscribe, receive an API publish: the node is healthy. */
async function assertServes(node: TestNode): Promise<void> {
  const client = newClient(node.wsUrl, { token: await node.token('fresh') });
  try {
    client.connect();
    await connected(client);
    const channel = `fresh-${randomUUID()}`;
    const sub = client.newSubscription(channel);
    const got = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    const res = await node.api('publish', { channel, data: { alive: true } });
    assert.equal(res.status, 200);
    await waitFor(() => got.length === 1, 'publication to a fresh client');
    assert.deepEqual(got[0]!.data, { alive: true });
  } finally {
    client.disconnect();
  }
}

/** Sends one frame and resolves with the reply carrying `id`. */
function replyTo(client: RawClient, id: number, frame: string | Buffer, binary = false): Promise<Reply> {
  const start = client.received.length;
  client.send(frame, binary);
  const find = (): Reply | undefined => client.received.slice(start).find((m) => m['id'] === id);
  return waitFor(() => find() !== undefined, `reply #${id}`).then(() => find()!);
}

/** A node per describe block; raw clients closed and the node checked after every test. */
function suite(overrides: Record<string, unknown>): { node: () => TestNode; raw: () => Promise<RawClient> } {
  let node: TestNode | undefined;
  const clients: RawClient[] = [];
  before(async () => {
    node = await startTestNode(overrides);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await assertServes(node!);
    // Whatever closed them, no connection or subscription outlives its socket.
    const gateway = node!.app.node;
    await waitFor(() => gateway.connections.size === 0, 'every connection released');
    await waitFor(() => gateway.hub.numSubscriptions === 0, 'every subscription released');
  });
  after(() => node?.stop());
  return {
    node: () => node!,
    async raw() {
      const c = await rawConnect(node!.wsUrl);
      clients.push(c);
      return c;
    },
  };
}

describe('bad input: frames', () => {
  const { node, raw } = suite({
    channel: {
      without_namespace: { allow_publish_for_subscriber: true, allow_publish_for_client: true },
      namespaces: [{ name: 'ns' }],
    },
  });

  async function connectedRaw(user = 'u1'): Promise<RawClient> {
    const c = await raw();
    const reply = await c.call(1, 'connect', { token: await node().token(user) });
    assert.equal(errorCode(reply), undefined);
    assert.equal(typeof (reply['connect'] as Reply | undefined)?.['client'], 'string');
    return c;
  }

  it('closes on malformed JSON with 3501', async () => {
    const c = await raw();
    c.send('{"id":1,"connect":');
    assert.equal(await closeCode(c), 3501);
  });

  it('closes on a JSON array or a number as a command with 3501', async () => {
    for (const frame of ['[{"id":1,"connect":{}}]', '42', '"connect"', 'null']) {
      const c = await raw();
      c.send(frame);
      assert.equal(await closeCode(c), 3501, frame);
    }
  });

  it('answers an unknown method with 104 and stays usable', async () => {
    const c = await connectedRaw();
    const reply = await replyTo(c, 2, '{"id":2,"foo":{}}');
    assert.equal(errorCode(reply), 104);
    const pong = await c.call(3, 'ping', {});
    assert.equal(errorCode(pong), undefined);
    assert.deepEqual(pong['ping'], {});
  });

  it('closes on a command without id other than send with 3501', async () => {
    const c = await connectedRaw();
    c.send('{"subscribe":{"channel":"news"}}');
    assert.equal(await closeCode(c), 3501);
    // A send without id is well-formed: it reaches its handler, which has no receiver (3508).
    const s = await connectedRaw();
    s.send('{"send":{"data":{"x":1}}}');
    assert.equal(await closeCode(s), 3508);
  });

  it('closes on a second connect with 3501', async () => {
    const c = await connectedRaw();
    c.send(JSON.stringify({ id: 2, connect: { token: await node().token('u1') } }));
    assert.equal(await closeCode(c), 3501);
  });

  it('closes on subscribe before connect with 3501', async () => {
    const c = await raw();
    c.send('{"id":1,"subscribe":{"channel":"news"}}');
    assert.equal(await closeCode(c), 3501);
  });

  it('closes on ids that are not safe integers with 3501', async () => {
    for (const frame of ['{"id":1e400,"ping":{}}', '{"id":123456789012345678901234567890,"ping":{}}']) {
      const c = await connectedRaw();
      c.send(frame);
      assert.equal(await closeCode(c), 3501, frame);
    }
  });

  it('closes on invalid UTF-8: 1007 in a text frame, 3501 in a binary frame', async () => {
    const bad = Buffer.concat([
      Buffer.from('{"id":1,"connect":{"name":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}'),
    ]);
    const text = await raw();
    text.send(bad, false);
    assert.equal(await closeCode(text), 1007);
    const binary = await raw();
    binary.send(bad, true);
    assert.equal(await closeCode(binary), 3501);
  });

  it('accepts valid JSON commands in a binary frame', async () => {
    const c = await raw();
    const token = await node().token('u1');
    const frame = Buffer.from(
      `${JSON.stringify({ id: 1, connect: { token } })}\n${JSON.stringify({ id: 2, ping: {} })}`,
    );
    const pong = await replyTo(c, 2, frame, true);
    assert.deepEqual(pong['ping'], {});
    const reply = c.received.find((m) => m['id'] === 1)!;
    assert.equal(typeof (reply['connect'] as Reply)['client'], 'string');
  });

  it('answers connect with a bad token by closing with 3500', async () => {
    for (const token of ['not-a-jwt', 'a.b.c']) {
      const c = await raw();
      c.send(JSON.stringify({ id: 1, connect: { token } }));
      assert.equal(await closeCode(c), 3500, token);
    }
  });

  it('answers connect with an expired token with 109 and without a token by closing with 3501', async () => {
    const c = await raw();
    const expired = await c.call(1, 'connect', { token: await node().token('u1', {}, -60) });
    assert.equal(errorCode(expired), 109);
    const none = await raw();
    none.send(JSON.stringify({ id: 1, connect: {} }));
    assert.equal(await closeCode(none), 3501);
    // As in Centrifugo a failed connect leaves its socket unread: a valid token connects on a new one.
    const ok = await (await raw()).call(1, 'connect', { token: await node().token('u1') });
    assert.equal(errorCode(ok), undefined);
  });

  it('answers subscribe to a missing or empty channel with 107, unknown namespace 102, twice 105', async () => {
    const c = await connectedRaw();
    assert.equal(errorCode(await c.call(2, 'subscribe', {})), 107);
    assert.equal(errorCode(await c.call(3, 'subscribe', { channel: '' })), 107);
    assert.equal(errorCode(await c.call(4, 'subscribe', { channel: 42 })), 107);
    assert.equal(errorCode(await c.call(5, 'subscribe', { channel: 'nope:x' })), 102);
    assert.equal(errorCode(await c.call(6, 'subscribe', { channel: 'ns:x' })), undefined);
    assert.equal(errorCode(await c.call(7, 'subscribe', { channel: 'ns:x' })), 105);
    assert.equal(errorCode(await c.call(8, 'ping', {})), undefined);
  });

  it('answers 10,000 nested arrays as publish data with 107, from a client and the API', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const c = await connectedRaw();
    assert.equal(errorCode(await c.call(2, 'subscribe', { channel: 'deep' })), undefined);
    const reply = await replyTo(c, 3, `{"id":3,"publish":{"channel":"deep","data":${deep}}}`);
    assert.equal(errorCode(reply), 107);
    for (const depth of [10_000, 100_000]) {
      const res = await fetch(`${node().baseUrl}/api/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
        body: `{"channel":"deep","data":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      });
      const body = (await res.json()) as Reply;
      assert.equal(errorCode(body), 107, `API depth ${depth}`);
    }
    // Moderate nesting is fine and reaches the subscriber intact.
    const moderate = `${'['.repeat(500)}1${']'.repeat(500)}`;
    assert.equal(
      errorCode(await replyTo(c, 4, `{"id":4,"publish":{"channel":"deep","data":${moderate}}}`)),
      undefined,
    );
    await waitFor(() => c.received.some((m) => m['push'] !== undefined), 'nested publication');
    assert.equal(errorCode(await c.call(5, 'ping', {})), undefined);
  });

  it('survives huge numbers in publish data from a client and the API', async () => {
    const c = await connectedRaw();
    assert.equal(errorCode(await c.call(2, 'subscribe', { channel: 'nums' })), undefined);
    const huge = '9'.repeat(50_000);
    const frames = [
      `{"id":3,"publish":{"channel":"nums","data":1e400}}`,
      `{"id":4,"publish":{"channel":"nums","data":-1e400}}`,
      `{"id":5,"publish":{"channel":"nums","data":${huge}}}`,
      `{"id":6,"publish":{"channel":"nums","data":{"n":0.${huge}e-99999}}}`,
    ];
    for (const [i, frame] of frames.entries()) {
      const reply = await replyTo(c, i + 3, frame);
      assert.equal(errorCode(reply), undefined, frame.slice(0, 60));
    }
    // Every publication reached the subscriber as valid JSON: out-of-range numbers become null or 0.
    const pushed = (): unknown[] =>
      c.received
        .filter((m) => m['push'] !== undefined)
        .map((m) => ((m['push'] as Reply)['pub'] as Reply)['data']);
    await waitFor(() => pushed().length >= 4, 'publications');
    assert.deepEqual(pushed(), [null, null, null, { n: 0 }]);
    const res = await fetch(`${node().baseUrl}/api/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
      body: `{"channel":"nums","data":${huge}}`,
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    await waitFor(() => pushed().length >= 5, 'API publication');
    assert.equal(pushed()[4], null);
  });
});

describe('bad input: frame size', () => {
  const { node, raw } = suite({ websocket: { message_size_limit: 1024 } });

  it('closes on a frame over websocket.message_size_limit with 1009', async () => {
    const small = await raw();
    const reply = await small.call(1, 'connect', { token: await node().token('u1'), name: 'x'.repeat(500) });
    assert.equal(errorCode(reply), undefined);
    const c = await raw();
    c.send(JSON.stringify({ id: 1, connect: { token: await node().token('u1'), name: 'x'.repeat(2048) } }));
    assert.equal(await closeCode(c), 1009);
    assert.equal(errorCode(await small.call(2, 'ping', {})), undefined);
  });
});

describe('bad input: anonymous connect', () => {
  const { raw } = suite({ client: { allow_anonymous_connect_without_token: true } });

  it('connects without a token as anonymous', async () => {
    const c = await raw();
    const reply = await c.call(1, 'connect', {});
    assert.equal(errorCode(reply), undefined);
    assert.equal(typeof (reply['connect'] as Reply)['client'], 'string');
    // Anonymous users may not subscribe by default (allow_subscribe_for_anonymous is false).
    assert.equal(errorCode(await c.call(2, 'subscribe', { channel: 'news' })), 103);
    assert.equal(errorCode(await c.call(3, 'ping', {})), undefined);
  });
});
