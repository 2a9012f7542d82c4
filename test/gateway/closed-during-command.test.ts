/**
 * Commands whose connection closes while they wait (token verification), and connects that fail
 * half-way: nothing may stay registered for them. Found by the client command fuzzer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../harness/centrifuge-client.js';
import { FrameClient, frame } from '../harness/frame-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { errorCode, rawConnect } from '../harness/raw-client.js';

describe('connections closed while a command waits', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({ channel: { namespaces: [{ name: 'ns' }] } });
  });
  after(() => node?.stop());

  /** Nothing is left for connections that are gone. */
  async function assertReleased(): Promise<void> {
    const gateway = node.app.node;
    await waitFor(() => gateway.connections.size === 0, 'every connection released');
    await waitFor(() => gateway.connections.numClients === 0, 'no client left registered');
    await waitFor(() => gateway.hub.numSubscriptions === 0, 'no subscription left');
  }

  it('registers nothing for a connect whose socket failed while the token was verified', async () => {
    const token = await node.token('u1', { channels: ['news', 'ns:room'] });
    const { client } = await FrameClient.open(node.port);
    // One write: the bad frame closes the connection while the connect awaits its token check. The
    // connect would then fail on its `subs` entry; a closed connection must not get that far.
    const connect = { id: 1, connect: { token, subs: { news: 5 } } };
    client.socket.write(Buffer.concat([frame(1, JSON.stringify(connect)), frame(1, 'not json')]));
    assert.equal(await client.closeCode(), 3501);
    await assertReleased();
    assert.equal(node.app.node.connections.userConnectionCount('u1'), 0);
  });

  it('keeps no subscription for a subscribe whose socket failed while its token was verified', async () => {
    const { client } = await FrameClient.open(node.port);
    client.socket.write(frame(1, JSON.stringify({ id: 1, connect: { token: await node.token('u1') } })));
    await waitFor(() => client.replies().some((r) => r['id'] === 1), 'connect reply');
    const subToken = await node.token('u1', { channel: 'ns:$secret' });
    client.socket.write(
      Buffer.concat([
        frame(1, JSON.stringify({ id: 2, subscribe: { channel: 'ns:$secret', token: subToken } })),
        frame(1, 'not json'),
      ]),
    );
    assert.equal(await client.closeCode(), 3501);
    await assertReleased();
  });

  it('connects with a token granting channels named like Object.prototype members', async () => {
    const c = await rawConnect(node.wsUrl);
    try {
      const token = await node.token('u1', { channels: ['constructor', 'toString'] });
      const reply = await c.call(1, 'connect', { token });
      assert.equal(errorCode(reply), undefined, JSON.stringify(reply));
      const subs = (reply['connect'] as { subs?: Record<string, unknown> }).subs ?? {};
      assert.deepEqual(Object.keys(subs).sort(), ['#u1', 'constructor', 'toString']);
    } finally {
      c.close();
    }
    await assertReleased();
  });

  it('registers nothing for a connect refused for a bad subs entry; a later connect as another user works', async () => {
    const refused = await rawConnect(node.wsUrl);
    // The refused socket is not read any more (as in Centrifugo): the next connect uses another.
    const c = await rawConnect(node.wsUrl);
    try {
      const first = await refused.call(1, 'connect', {
        token: await node.token('u1', { channels: ['news'] }),
        subs: { news: 5 },
      });
      assert.equal(errorCode(first), 107);
      assert.equal(node.app.node.hub.numSubscriptions, 0);
      assert.equal(node.app.node.connections.numClients, 0);
      const second = await c.call(2, 'connect', { token: await node.token('u2') });
      assert.equal(errorCode(second), undefined, JSON.stringify(second));
      assert.equal(
        node.app.node.connections.userConnectionCount('u1'),
        0,
        'the refused user holds no connection',
      );
      assert.equal(node.app.node.connections.userConnectionCount('u2'), 1);
    } finally {
      refused.close();
      c.close();
    }
    await assertReleased();
  });
});
