/**
 * WebSocket subprotocols, with both transports: `centrifuge-json` is selected, an unknown one never
 * is (the client fails the handshake, as with Centrifugo), and a protobuf client is told with close
 * 3506 that this server speaks only JSON; the protobuf SDK then stops instead of reconnecting.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';
import { waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';

const REASON = 'inappropriate protocol: this server speaks only the JSON protocol';

/** The handshake answer to an upgrade offering `protocols` (a raw header value). */
function handshake(port: number, protocols: string): Promise<{ status: number; protocol?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      port,
      host: '127.0.0.1',
      path: '/connection/websocket',
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Protocol': protocols,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      const protocol = res.headers['sec-websocket-protocol'];
      resolve(protocol === undefined ? { status: 101 } : { status: 101, protocol });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a `ws` client; resolves with the selected protocol and how the connection ended, if it did. */
function open(
  url: string,
  protocols: string[],
): Promise<{ ws: WebSocket; protocol: string; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url, protocols);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, protocol: ws.protocol, closed }));
    ws.once('error', reject);
  });
}

for (const transport of ['lean', 'ws'] as const) {
  describe(`subprotocols (${transport} transport)`, () => {
    let node: TestNode;
    before(async () => {
      node = await startTestNode({ websocket: { transport } });
    });
    after(() => node.stop());

    it('selects centrifuge-json and speaks JSON on it', async () => {
      const { ws, protocol } = await open(node.wsUrl, ['centrifuge-json']);
      assert.equal(protocol, 'centrifuge-json');
      const reply = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
      ws.send(JSON.stringify({ id: 1, connect: { token: await node.token('u1') } }));
      assert.match(await reply, /"connect":\{"client"/);
      ws.close();
    });

    it('prefers centrifuge-json when protobuf is offered too, in either order', async () => {
      for (const offered of [
        'centrifuge-protobuf, centrifuge-json',
        'centrifuge-json, centrifuge-protobuf',
      ]) {
        assert.deepEqual(await handshake(node.port, offered), { status: 101, protocol: 'centrifuge-json' });
      }
      assert.deepEqual(await handshake(node.port, 'chat.example, centrifuge-json'), {
        status: 101,
        protocol: 'centrifuge-json',
      });
    });

    it('never selects an unknown subprotocol: the client fails the handshake', async () => {
      assert.deepEqual(await handshake(node.port, 'chat.example'), { status: 101 });
      await assert.rejects(open(node.wsUrl, ['chat.example']), /Server sent no subprotocol/);
    });

    it('answers a malformed Sec-WebSocket-Protocol with 400', async () => {
      assert.equal((await handshake(node.port, 'a b')).status, 400);
      assert.equal((await handshake(node.port, 'centrifuge-json,')).status, 400);
    });

    it('closes a protobuf client with 3506 and a reason naming the JSON protocol', async () => {
      const { protocol, closed } = await open(node.wsUrl, ['centrifuge-protobuf']);
      assert.equal(protocol, 'centrifuge-protobuf');
      assert.deepEqual(await closed, { code: 3506, reason: REASON });
      for (const query of ['format=protobuf', 'cf_protocol=protobuf']) {
        const byQuery = await open(`${node.wsUrl}?${query}`, []);
        assert.deepEqual(await byQuery.closed, { code: 3506, reason: REASON }, query);
      }
      await waitFor(() => node.app.node.connections.size === 0, 'no connection kept');
    });

    it('the protobuf SDK reports 3506 as disconnected and does not reconnect', async () => {
      const client = new ProtobufCentrifuge(node.wsUrl, {
        websocket: WebSocket,
        token: await node.token('u1'),
        minReconnectDelay: 50,
        maxReconnectDelay: 100,
      });
      const disconnected: { code: number; reason: string }[] = [];
      let connecting = 0;
      client.on('disconnected', (ctx) => disconnected.push({ code: ctx.code, reason: ctx.reason }));
      client.on('connecting', () => connecting++);
      client.connect();
      await waitFor(() => disconnected.length > 0, 'disconnected event');
      assert.deepEqual(disconnected, [{ code: 3506, reason: REASON }]);
      // Reconnect delays are at most 100 ms: a client that retried would have done so by now.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(client.state, 'disconnected');
      assert.equal(connecting, 1, 'only the connect() call itself');
      client.disconnect();
    });
  });
}
