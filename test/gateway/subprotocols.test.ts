/**
 * WebSocket subprotocols, with both transports: `centrifuge-json` is selected, an unknown one never
 * is (the client fails the handshake, as with Centrifugo), and a client asking for Protobuf (by
 * subprotocol or query parameter, as Centrifugo reads them) is served in binary Protobuf frames.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';
import { waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { commandsMessage, decodeReplies } from '../protocol/protobuf-reference.js';

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

    it('speaks Protobuf in binary frames to a client asking by subprotocol or query parameter', async () => {
      const token = await node.token('u1');
      const cases: [string, string[]][] = [
        [node.wsUrl, ['centrifuge-protobuf']],
        [`${node.wsUrl}?format=protobuf`, []],
        [`${node.wsUrl}?cf_protocol=protobuf`, []],
      ];
      for (const [url, protocols] of cases) {
        const { ws } = await open(url, protocols);
        const frames: { data: Buffer; binary: boolean }[] = [];
        ws.on('message', (data: Buffer, binary: boolean) => frames.push({ data, binary }));
        ws.send(commandsMessage({ id: 1, connect: { token } }, { id: 2, ping: {} }));
        await waitFor(() => frames.length > 0, `a reply (${url})`);
        assert.equal(frames[0]!.binary, true, 'a binary frame');
        const replies = decodeReplies(frames[0]!.data);
        assert.equal(replies[0]!['id'], 1);
        assert.equal(typeof (replies[0]!['connect'] as { client?: unknown }).client, 'string');
        assert.deepEqual(replies[1], { id: 2, ping: {} });
        ws.close();
      }
    });

    it('the protobuf SDK connects, subscribes and receives a publication', async () => {
      const client = new ProtobufCentrifuge(node.wsUrl, {
        websocket: WebSocket,
        token: await node.token('u1'),
      });
      const got: Uint8Array[] = [];
      const sub = client.newSubscription('news');
      sub.on('publication', (ctx) => got.push(ctx.data as Uint8Array));
      sub.subscribe();
      client.connect();
      await sub.ready(5000);
      await node.api('publish', { channel: 'news', data: { hello: 'protobuf' } });
      await waitFor(() => got.length === 1, 'the publication');
      assert.deepEqual(JSON.parse(Buffer.from(got[0]!).toString()), { hello: 'protobuf' });
      client.disconnect();
    });
  });
}
