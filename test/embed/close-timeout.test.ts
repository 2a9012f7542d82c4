/**
 * close() of an embedded node cuts what is still open when its time runs out: a WebSocket client
 * that never answers the close frame (a standalone node would wait up to 30 s for it) is cut at
 * `timeoutMs`, and the application's server is left listening.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { setup, tcpConnect, waitFor } from '../harness/index.js';
import { closeServer, embedTestNode, listen, PREFIX } from './helpers.js';

describe('embedded close() timeout', { timeout: 30_000 }, () => {
  it('cuts a WebSocket that never answers the close frame at timeoutMs', async () => {
    await using t = setup();
    const realtime = await embedTestNode();
    const server = createServer((req, res) => realtime.handle(req, res));
    realtime.attach(server);
    await listen(server);
    t.defer(server, closeServer);
    const port = (server.address() as AddressInfo).port;

    const socket = await tcpConnect(port);
    t.defer(socket, (s) => s.destroy());
    socket.write(
      `GET ${PREFIX}/connection/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const [head] = (await once(socket, 'data')) as [Buffer];
    assert.match(head.toString(), /^HTTP\/1\.1 101/);
    // From now on the client reads nothing and answers nothing.
    socket.pause();
    await waitFor(() => realtime.node.connections.size === 1, 'the connection on the node', 5000);

    const closedAt = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    const started = Date.now();
    await realtime.close(400);
    const took = Date.now() - started;
    assert.ok(took >= 350 && took < 5000, `close() took ${took} ms`);
    // Reading again, the client finds the close frame the node sent, then the end of the socket.
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
    });
    socket.resume();
    assert.ok((await closedAt) - started < 5000, 'the socket was cut');
    assert.equal(received[0], 0x88, 'a close frame came first');
    assert.equal(received.readUInt16BE(2), 3001);
    assert.equal(server.listening, true);
  });
});
