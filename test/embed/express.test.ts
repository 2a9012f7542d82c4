/**
 * A node embedded in an Express 5 app: its handler as middleware (`app.use(realtime.handle)`, or
 * mounted at the prefix) and its upgrades on the server `app.listen` returned, beside the app's
 * routes, its JSON body parser and its own WebSocket on `/chat`; close() leaves the app serving; a
 * body parser mounted ahead of the node is answered with a clear error instead of a hang.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { describe, it } from 'node:test';
import express from 'express';
import WebSocket, { WebSocketServer } from 'ws';
import type { EmbeddedSwitchboard } from '../../src/embed/embedded-switchboard.js';
import { setup, waitFor } from '../harness/index.js';
import { callApi, closeServer, deliversThrough, embedTestNode, PREFIX } from './helpers.js';

type Mount = 'use' | 'use-prefix' | 'after-body-parser';

async function expressApp(
  realtime: EmbeddedSwitchboard,
  mount: Mount,
): Promise<{ server: Server; base: string }> {
  const app = express();
  if (mount === 'after-body-parser') app.use(express.json());
  if (mount === 'use-prefix') app.use(PREFIX, realtime.handle);
  else app.use(realtime.handle);
  app.use(express.json());
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'from express' });
  });
  app.post('/orders', (req, res) => {
    res.status(201).json({ order: req.body });
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  realtime.attach(server);
  const chat = new WebSocketServer({ noServer: true });
  chat.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo: ${data}`)));
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/chat') chat.handleUpgrade(req, socket, head, (ws) => chat.emit('connection', ws));
    // Alone once the node is closed (detached): clients it told to reconnect come back to its path.
    else if (server.listenerCount('upgrade') === 1) socket.destroy();
  });
  server.once('close', () => chat.close());
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, base: `http://127.0.0.1:${address.port}` };
}

async function appAnswers(base: string): Promise<void> {
  assert.deepEqual(await (await fetch(`${base}/hello`)).json(), { hello: 'from express' });
  const order = await fetch(`${base}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"item":"coffee"}',
  });
  assert.equal(order.status, 201);
  assert.deepEqual(await order.json(), { order: { item: 'coffee' } });
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/chat`);
  await once(ws, 'open');
  ws.send('hi');
  const [reply] = (await once(ws, 'message')) as [Buffer];
  assert.equal(reply.toString(), 'echo: hi');
  ws.close();
}

describe('embedded in Express', { timeout: 60_000 }, () => {
  for (const mount of ['use', 'use-prefix'] as const) {
    it(`serves the SDK and the server API through the app port (app.${mount === 'use' ? 'use(handle)' : 'use(prefix, handle)'})`, async () => {
      await using t = setup();
      const realtime = await embedTestNode();
      t.defer(realtime, (r) => r.close());
      const { server, base } = await expressApp(realtime, mount);
      t.defer(server, closeServer);
      const client = t.defer(await deliversThrough(`${base}${PREFIX}`, 'orders'), (c) => c.disconnect());
      assert.equal(client.state, 'connected');
      await appAnswers(base);
      const missing = await fetch(`${base}${PREFIX}/nope`);
      assert.equal(missing.status, 404);
      assert.match(await missing.text(), /Cannot GET \/realtime\/nope/, "Express's own 404");
    });
  }

  it('close() drains the node and leaves the app serving', async () => {
    await using t = setup();
    const realtime = await embedTestNode();
    const { server, base } = await expressApp(realtime, 'use');
    t.defer(server, closeServer);
    const client = t.defer(await deliversThrough(`${base}${PREFIX}`, 'orders'), (c) => c.disconnect());
    const codes: number[] = [];
    client.on('connecting', (ctx) => codes.push(ctx.code));
    await realtime.close();
    assert.equal(realtime.node.connections.size, 0);
    assert.equal(server.listening, true);
    await appAnswers(base);
    await waitFor(() => codes.length > 0, 'the client told to reconnect', 5000);
    assert.equal(codes[0], 3001);
    assert.equal(
      (await fetch(`${base}${PREFIX}/health`)).status,
      404,
      "the node's paths are the app's again",
    );
  });

  it('answers a clear error when a body parser read the body first', async () => {
    await using t = setup();
    const realtime = await embedTestNode();
    t.defer(realtime, (r) => r.close());
    const { server, base } = await expressApp(realtime, 'after-body-parser');
    t.defer(server, closeServer);
    const refused = await callApi(`${base}${PREFIX}`, 'publish', { channel: 'x', data: {} });
    assert.equal(refused.status, 500);
    assert.match(String(refused.body['error']), /mount the node's handler before body parsers/);
    // Requests without a JSON body still work.
    assert.equal((await fetch(`${base}${PREFIX}/health`)).status, 200);
  });
});
