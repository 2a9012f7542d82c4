/**
 * Publications the node could never deliver, over raw sockets: the server API and a client's `publish`
 * refuse them with error 106 and every subscriber stays connected (they used to be accepted and then drop
 * every subscriber as slow, 1006, on every delivery). A client that does not read is still dropped.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { errorCode, type RawClient, rawConnect } from '../harness/raw-client.js';
import { callOrClose, isOpen, payload, pushesOn, type Reply, replyOf } from './oversized-helpers.js';

const QUEUE = 65_536;
const chat = { name: 'chat', allow_publish_for_client: true };

describe('oversized publications', () => {
  let node: TestNode;
  const clients: RawClient[] = [];
  before(async () => {
    node = await startTestNode({
      channel: { namespaces: [chat] },
      client: { queue_max_size: QUEUE, subscribe_to_user_personal_channel: { enabled: false } },
      // Lets a client frame carry a publication larger than the queue.
      websocket: { message_size_limit: 4 * QUEUE },
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
  });
  after(() => node.stop());

  async function subscriber(user: string, channel?: string, url = node.wsUrl, at = node): Promise<RawClient> {
    const c = await rawConnect(url);
    clients.push(c);
    replyOf(await callOrClose(c, 1, 'connect', { token: await at.token(user) }), 'connect');
    if (channel !== undefined) replyOf(await callOrClose(c, 2, 'subscribe', { channel }), 'subscribe');
    return c;
  }

  const apiError = (body: Reply) => (body['error'] as { code?: number } | undefined)?.code;

  it('server API publish larger than the queue: error 106, subscribers stay and get what follows', async () => {
    const sub = await subscriber('s1', 'chat:api');
    const res = await node.api('publish', { channel: 'chat:api', data: payload(0, QUEUE + 4096) });
    assert.equal(res.status, 200);
    assert.equal(apiError(res.body), 106);
    await node.api('publish', { channel: 'chat:api', data: { n: 1 } });
    await waitFor(() => pushesOn(sub, 'chat:api').length === 1 || !isOpen(sub), 'the next publication');
    assert.ok(isOpen(sub), 'the subscriber stays connected');
    assert.deepEqual(pushesOn(sub, 'chat:api'), [{ n: 1, offset: undefined }]);
  });

  it('a publication up to client.max_publication_size (half the queue) is delivered', async () => {
    const sub = await subscriber('s2', 'chat:fits');
    const res = await node.api('publish', { channel: 'chat:fits', data: payload(7, QUEUE / 2 - 512) });
    assert.equal(apiError(res.body), undefined);
    await waitFor(() => pushesOn(sub, 'chat:fits').length === 1, 'the publication');
    const over = await node.api('publish', { channel: 'chat:fits', data: payload(8, QUEUE / 2 + 512) });
    assert.equal(apiError(over.body), 106);
    assert.ok(isOpen(sub));
  });

  it('server API broadcast: every channel answers 106 for an oversized publication', async () => {
    const a = await subscriber('s3', 'chat:b1');
    const res = await node.api('broadcast', {
      channels: ['chat:b1', 'chat:b2'],
      data: payload(0, QUEUE * 2),
    });
    const responses = (res.body['result'] as { responses: Reply[] }).responses;
    assert.deepEqual(
      responses.map((r) => apiError(r)),
      [106, 106],
    );
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(isOpen(a));
  });

  it('client publish larger than the queue: error 106 to the publisher, subscribers stay', async () => {
    const sub = await subscriber('s4', 'chat:client');
    const publisher = await subscriber('p4');
    const big = replyOf(
      await callOrClose(publisher, 3, 'publish', { channel: 'chat:client', data: payload(0, QUEUE + 4096) }),
      'publish',
    );
    assert.equal(errorCode(big), 106);
    const small = replyOf(
      await callOrClose(publisher, 4, 'publish', { channel: 'chat:client', data: { n: 1 } }),
      'publish',
    );
    assert.equal(errorCode(small), undefined);
    await waitFor(() => pushesOn(sub, 'chat:client').length === 1 || !isOpen(sub), 'the small publication');
    assert.ok(isOpen(sub), 'the subscriber stays connected');
    assert.ok(isOpen(publisher));
  });

  it('default config: a ~1 MiB server API publish (within the HTTP body limit) is refused with 106', async () => {
    const plain = await startTestNode({ client: { subscribe_to_user_personal_channel: { enabled: false } } });
    try {
      const sub = await subscriber('s5', 'news', plain.wsUrl, plain);
      // Near the largest body the default 1 MiB http_api.max_body_size takes; as a push frame (channel
      // and envelope added) it is larger than the default 1 MiB queue.
      const data = { n: 0, pad: 'x'.repeat(1_048_526) };
      assert.ok(JSON.stringify({ channel: 'news', data }).length <= 1024 * 1024);
      const res = await plain.api('publish', { channel: 'news', data });
      assert.equal(res.status, 200);
      assert.equal(apiError(res.body), 106);
      await plain.api('publish', { channel: 'news', data: { n: 1 } });
      await waitFor(() => pushesOn(sub, 'news').length === 1 || !isOpen(sub), 'the next publication');
      assert.ok(isOpen(sub), 'the subscriber stays connected');
    } finally {
      await plain.stop();
    }
  });

  it('a client that does not read is still dropped as slow; one that reads gets everything', async (t) => {
    const reader = await subscriber('reader', 'chat:firehose');
    const stuck = await subscriber('stuck', 'chat:firehose');
    stuck.ws.pause();
    const closed = stuck.closed.then(({ code }) => code);
    let stuckCode: number | undefined;
    void closed.then((code) => {
      stuckCode = code;
    });
    let sent = 0;
    // 24 KB each, below the limit: only the never-read socket makes the node hold them.
    while (node.app.node.connections.userConnectionCount('stuck') > 0 && sent < 2000) {
      const res = await node.api('publish', { channel: 'chat:firehose', data: payload(sent, 24_000) });
      assert.equal(apiError(res.body), undefined);
      sent++;
    }
    assert.equal(
      node.app.node.connections.userConnectionCount('stuck'),
      0,
      `not dropped after ${sent} publications`,
    );
    t.diagnostic(`the stuck client was dropped after ${sent} publications of 24 KB`);
    stuck.ws.resume();
    await waitFor(() => stuckCode !== undefined, 'the stuck socket to close');
    assert.equal(stuckCode, 1006, 'cut without a close handshake');
    await waitFor(() => pushesOn(reader, 'chat:firehose').length === sent, `${sent} publications`, 10_000);
    assert.deepEqual(
      pushesOn(reader, 'chat:firehose').map((p) => p.n),
      Array.from({ length: sent }, (_, i) => i),
    );
    assert.ok(isOpen(reader));
  });
});
