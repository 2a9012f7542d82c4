/**
 * Per-connection and per-node limits over real sockets: channels, command rate, connections, users,
 * channel name length, the stale and ping/pong deadlines.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  closeCode,
  errorCode,
  type RawClient,
  rawConnect,
  sleep,
  startTestNode,
  type TestNode,
  waitFor,
} from '../harness/index.js';

type Reply = Record<string, unknown>;

/** Starts a node with `overrides`, runs `fn`, then terminates every raw client and stops the node. */
async function withNode(
  overrides: Record<string, unknown>,
  fn: (node: TestNode, raw: () => Promise<RawClient>) => Promise<void>,
): Promise<void> {
  const node = await startTestNode(overrides);
  const clients: RawClient[] = [];
  try {
    await fn(node, async () => {
      const c = await rawConnect(node.wsUrl);
      clients.push(c);
      return c;
    });
  } finally {
    for (const c of clients) c.ws.terminate();
    await node.stop();
  }
}

async function connectAs(node: TestNode, c: RawClient, user: string): Promise<Reply> {
  return c.call(1, 'connect', { token: await node.token(user) });
}

function isOpen(c: RawClient): boolean {
  return c.ws.readyState === c.ws.OPEN;
}

describe('limits', () => {
  it('client.channel_limit: the subscribe past the limit gets 106', async () => {
    const overrides = {
      client: { channel_limit: 2, subscribe_to_user_personal_channel: { enabled: false } },
    };
    await withNode(overrides, async (node, raw) => {
      const c = await raw();
      assert.equal(errorCode(await connectAs(node, c, 'u1')), undefined);
      assert.equal(errorCode(await c.call(2, 'subscribe', { channel: 'a' })), undefined);
      assert.equal(errorCode(await c.call(3, 'subscribe', { channel: 'b' })), undefined);
      assert.equal(errorCode(await c.call(4, 'subscribe', { channel: 'c' })), 106);
      // Freeing a slot makes room again.
      assert.equal(errorCode(await c.call(5, 'unsubscribe', { channel: 'a' })), undefined);
      assert.equal(errorCode(await c.call(6, 'subscribe', { channel: 'c' })), undefined);
      assert.ok(isOpen(c));
    });
  });

  it('client.command_rate_limit: the excess of a burst gets 111 and the connection stays open', async () => {
    await withNode({ client: { command_rate_limit: 5 } }, async (node, raw) => {
      const c = await raw();
      assert.equal(errorCode(await connectAs(node, c, 'u1')), undefined);
      const ids = Array.from({ length: 12 }, (_, i) => i + 2);
      c.send(ids.map((id) => JSON.stringify({ id, ping: {} })).join('\n'));
      const replyOf = (id: number): Reply | undefined => c.received.find((m) => m['id'] === id);
      await waitFor(() => ids.every((id) => replyOf(id) !== undefined), 'a reply to every command');
      const codes = ids.map((id) => errorCode(replyOf(id)!));
      const passed = codes.filter((code) => code === undefined).length;
      // connect took one token of the five.
      assert.ok(passed >= 1 && passed <= 5, `passed ${passed}`);
      assert.ok(
        codes.every((code) => code === undefined || code === 111),
        `codes ${codes.join(',')}`,
      );
      assert.ok(codes.filter((code) => code === 111).length >= ids.length - 5);
      await sleep(1100);
      assert.ok(isOpen(c));
      assert.equal(errorCode(await c.call(100, 'ping', {})), undefined);
    });
  });

  it('client.connection_limit: the connection past the limit is closed with 3504', async () => {
    await withNode({ client: { connection_limit: 2 } }, async (node, raw) => {
      const first = await raw();
      const second = await raw();
      assert.equal(errorCode(await connectAs(node, first, 'u1')), undefined);
      const third = await raw();
      assert.equal(await closeCode(third), 3504);
      assert.ok(isOpen(first) && isOpen(second));
      assert.equal(errorCode(await connectAs(node, second, 'u2')), undefined);
      // A closed connection frees its place.
      first.close();
      await waitFor(() => node.app.node.connections.size === 1, 'the first connection released');
      const fourth = await raw();
      assert.equal(errorCode(await connectAs(node, fourth, 'u3')), undefined);
    });
  });

  it('client.user_connection_limit: the extra connection of a user is closed with 3504', async () => {
    await withNode({ client: { user_connection_limit: 2 } }, async (node, raw) => {
      const a = await raw();
      const b = await raw();
      assert.equal(errorCode(await connectAs(node, a, 'u1')), undefined);
      assert.equal(errorCode(await connectAs(node, b, 'u1')), undefined);
      const extra = await raw();
      extra.send(JSON.stringify({ id: 1, connect: { token: await node.token('u1') } }));
      assert.equal(await closeCode(extra), 3504);
      const other = await raw();
      assert.equal(errorCode(await connectAs(node, other, 'u2')), undefined);
      assert.equal(node.app.node.connections.userConnectionCount('u1'), 2);
      assert.ok(isOpen(a) && isOpen(b));
    });
  });

  it('channel.max_length: a longer channel name gets 107', async () => {
    await withNode({ channel: { max_length: 10 } }, async (node, raw) => {
      const c = await raw();
      assert.equal(errorCode(await connectAs(node, c, 'u1')), undefined);
      assert.equal(errorCode(await c.call(2, 'subscribe', { channel: 'x'.repeat(11) })), 107);
      assert.equal(errorCode(await c.call(3, 'subscribe', { channel: 'x'.repeat(10) })), undefined);
      const res = await node.api('publish', { channel: 'y'.repeat(11), data: {} });
      assert.equal(errorCode(res.body), 107);
    });
  });

  it('client.stale_close_delay: a socket that never connects is closed with 3502', async () => {
    await withNode({ client: { stale_close_delay: '300ms' } }, async (node, raw) => {
      const openedAt = Date.now();
      const silent = await raw();
      const connecting = await raw();
      assert.equal(errorCode(await connectAs(node, connecting, 'u1')), undefined);
      assert.equal(await closeCode(silent, 2000), 3502);
      assert.ok(Date.now() - openedAt >= 250, 'not closed before the delay');
      await sleep(300);
      assert.ok(isOpen(connecting), 'a connected client is not stale');
    });
  });

  it('client.ping_interval/pong_timeout: silence closes with 3012, answering {} keeps the connection', async () => {
    await withNode({ client: { ping_interval: '1s', pong_timeout: '500ms' } }, async (node, raw) => {
      const silent = await raw();
      const answering = await raw();
      let pings = 0;
      answering.ws.on('message', (data) => {
        for (const line of data.toString().split('\n')) {
          if (line !== '{}') continue;
          pings++;
          answering.send('{}');
        }
      });
      const reply = await connectAs(node, answering, 'u2');
      assert.equal((reply['connect'] as Reply)['ping'], 1);
      assert.equal((reply['connect'] as Reply)['pong'], true);
      assert.equal(errorCode(await connectAs(node, silent, 'u1')), undefined);
      const silentPings = (): number => silent.received.filter((m) => Object.keys(m).length === 0).length;
      assert.equal(await closeCode(silent, 4000), 3012);
      assert.ok(silentPings() >= 1, 'the silent client was pinged before being closed');
      await waitFor(() => pings >= 3, 'three pings answered', 6000);
      assert.ok(isOpen(answering));
      assert.equal(errorCode(await answering.call(2, 'ping', {})), undefined);
    });
  });
});
