/**
 * The commands this server has no handler for, as Centrifugo answers them without one: `rpc` gets
 * error 108 (`not available`) and the connection stays; `send` closes the connection with 3508
 * (`not available`), so a client learns its messages go nowhere. Raw frames and the official SDK.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { closeCode, errorCode, type RawClient, rawConnect } from '../harness/raw-client.js';

describe('rpc and send without handlers', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  async function connectedRaw(): Promise<RawClient> {
    const c = await rawConnect(node.wsUrl);
    const reply = await c.call(1, 'connect', { token: await node.token('u1') });
    assert.equal(errorCode(reply), undefined);
    return c;
  }

  it('answers rpc with 108 not available, with or without a method, and stays connected', async () => {
    const c = await connectedRaw();
    const named = await c.call(2, 'rpc', { method: 'sum', data: { a: 1 } });
    assert.deepEqual(named['error'], { code: 108, message: 'not available: this server has no RPC handler' });
    assert.equal(errorCode(await c.call(3, 'rpc', { data: { a: 1 } })), 108);
    assert.deepEqual((await c.call(4, 'ping', {}))['ping'], {});
    c.close();
  });

  it('closes the connection with 3508 on send, with or without an id', async () => {
    for (const frame of ['{"send":{"data":{"a":1}}}', '{"id":2,"send":{"data":{"a":1}}}']) {
      const c = await connectedRaw();
      c.send(frame);
      const closed = await c.closed;
      assert.deepEqual(closed, { code: 3508, reason: 'not available' }, frame);
    }
  });

  it('closes a send before connect with 3501, as any command before connect', async () => {
    const c = await rawConnect(node.wsUrl);
    c.send('{"send":{"data":{"a":1}}}');
    assert.equal(await closeCode(c), 3501);
  });

  it('the SDK: rpc rejects with 108 and the client stays connected', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('u1') });
    client.connect();
    await connected(client);
    await assert.rejects(client.rpc('sum', { a: 1 }), (error: { code: number; message: string }) => {
      assert.equal(error.code, 108);
      assert.match(error.message, /^not available/);
      return true;
    });
    assert.equal(client.state, 'connected');
    client.disconnect();
  });

  it('the SDK: send ends in disconnected with 3508 and no reconnect', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('u1') });
    const disconnected: { code: number; reason: string }[] = [];
    client.on('disconnected', (ctx) => disconnected.push({ code: ctx.code, reason: ctx.reason }));
    client.connect();
    await connected(client);
    await client.send({ typing: true });
    await waitFor(() => disconnected.length > 0, 'disconnected event');
    assert.deepEqual(disconnected, [{ code: 3508, reason: 'not available' }]);
    // The test client reconnects within 300 ms when it does at all.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(client.state, 'disconnected');
    client.disconnect();
  });
});
