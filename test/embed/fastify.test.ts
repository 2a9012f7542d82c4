/**
 * A node embedded in a Fastify 5 app through `switchboardFastify`: the SDK over WebSocket and over
 * HTTP streaming through the app's port under `/realtime`, the server API there with the key, the
 * app's own routes (a JSON body parsed by Fastify included) and its 404 for other paths; close()
 * leaves the app serving, and `app.close()` stops a node still running.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { switchboardFastify } from '../../src/embed/fastify.js';
import { streamClient } from '../gateway/streams/helpers.js';
import { collect, setup, token, waitFor } from '../harness/index.js';
import { callApi, deliversThrough, embedTestNode, PREFIX } from './helpers.js';

async function fastifyApp(overrides: Record<string, unknown> = {}) {
  const realtime = await embedTestNode(overrides);
  // Sockets a client opened and never used would keep app.close() waiting: cut them.
  const app = Fastify({ forceCloseConnections: true });
  app.get('/hello', async () => ({ hello: 'from fastify' }));
  app.post('/echo', async (request) => ({ echoed: request.body }));
  await app.register(switchboardFastify, { switchboard: realtime });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { realtime, app, base: `http://127.0.0.1:${address.port}` };
}

describe('embedded in Fastify', { timeout: 60_000 }, () => {
  it('serves the SDK, HTTP streaming and the server API through the app port, beside its routes', async () => {
    await using t = setup();
    const { realtime, app, base } = await fastifyApp({ http_stream: { enabled: true } });
    t.defer(app, (a) => a.close());
    const client = t.defer(await deliversThrough(`${base}${PREFIX}`, 'news'), (c) => c.disconnect());
    assert.equal(client.state, 'connected');

    const streaming = t.defer(
      streamClient(`${base}${PREFIX}`, ['http_stream'], 'json', { token: await token('streamer') }),
      (c) => c.disconnect(),
    );
    const sub = streaming.newSubscription('news');
    const got = collect(sub);
    sub.subscribe();
    streaming.connect();
    await sub.ready(5000);
    assert.equal(realtime.node.emulation.size, 1, 'one HTTP-streaming session on the node');
    assert.equal(
      (await callApi(`${base}${PREFIX}`, 'publish', { channel: 'news', data: { n: 2 } })).status,
      200,
    );
    await waitFor(() => got.length === 1, 'a publication over http_stream', 5000);
    assert.deepEqual(got[0]?.data, { n: 2 });

    assert.deepEqual(await (await fetch(`${base}/hello`)).json(), { hello: 'from fastify' });
    const echo = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    assert.deepEqual(await echo.json(), { echoed: { a: 1 } });
    const missing = await fetch(`${base}${PREFIX}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(
      ((await missing.json()) as { message?: string }).message,
      'Route GET:/realtime/nope not found',
    );
  });

  it('close() leaves the app serving; app.close() stops a running node', async () => {
    await using t = setup();
    const first = await fastifyApp();
    t.defer(first.app, (a) => a.close());
    const client = t.defer(await deliversThrough(`${first.base}${PREFIX}`, 'a'), (c) => c.disconnect());
    const codes: number[] = [];
    client.on('connecting', (ctx) => codes.push(ctx.code));
    await first.realtime.close();
    await waitFor(() => codes.length > 0, 'the client told to reconnect', 5000);
    assert.equal(codes[0], 3001);
    assert.equal(first.app.server.listening, true);
    assert.deepEqual(await (await fetch(`${first.base}/hello`)).json(), { hello: 'from fastify' });
    assert.equal((await fetch(`${first.base}${PREFIX}/health`)).status, 404, "the path is the app's again");
    client.disconnect();

    const second = await fastifyApp();
    const other = await deliversThrough(`${second.base}${PREFIX}`, 'b');
    const closedWith: number[] = [];
    other.on('connecting', (ctx) => closedWith.push(ctx.code));
    await second.app.close();
    assert.equal(second.realtime.node.connections.size, 0);
    await waitFor(() => closedWith.length > 0, 'the client told to reconnect', 5000);
    assert.equal(closedWith[0], 3001);
    other.disconnect();
  });
});
