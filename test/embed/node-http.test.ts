/**
 * A node embedded in a plain `node:http` server under `/realtime`, beside the application's own
 * routes and its own WebSocket server on `/chat`: the SDK connects and receives through the app's
 * port, HTTP streaming and SSE work through it, unknown paths reach the app, and close() drains the
 * node while the app keeps serving (its routes and its WebSocket).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import type { EmbeddedSwitchboard } from '../../src/embed/embedded-switchboard.js';
import { EmbedOptionError } from '../../src/embed/option-error.js';
import { streamClient } from '../gateway/streams/helpers.js';
import { collect, newClient, setup, token, waitFor } from '../harness/index.js';
import { callApi, closeServer, deliversThrough, embedTestNode, listen, PREFIX } from './helpers.js';

/** The application: `GET /hello`, its own 404, an echo WebSocket on `/chat`, the node under /realtime. */
function appServer(realtime: EmbeddedSwitchboard) {
  const app = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url === '/hello') res.writeHead(200, { 'content-type': 'text/plain' }).end('hello from the app');
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('app: no such page');
  };
  const server = createServer((req, res) => realtime.handle(req, res, () => app(req, res)));
  const chat = new WebSocketServer({ noServer: true });
  chat.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo: ${data}`)));
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/chat') chat.handleUpgrade(req, socket, head, (ws) => chat.emit('connection', ws));
    // Alone once the node is closed (detached): clients it told to reconnect come back to its path.
    else if (server.listenerCount('upgrade') === 1) socket.destroy();
  });
  realtime.attach(server);
  return { server, chat };
}

/** Everything a streaming response has sent so far, read as it arrives. */
function sseText(res: Response): { text: string } {
  const out = { text: '' };
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
      out.text += decoder.decode(chunk);
  })().catch(() => undefined);
  return out;
}

/** The HTTP status an upgrade request to `url` is refused with. */
async function refusedWith(url: string): Promise<number> {
  const ws = new WebSocket(url);
  ws.on('error', () => undefined);
  const [, response] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
  response.resume();
  ws.terminate();
  return response.statusCode ?? 0;
}

/** Opens the app's own WebSocket and checks it echoes. */
async function appWebSocketEchoes(base: string): Promise<void> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/chat`);
  await once(ws, 'open');
  ws.send('ping');
  const [reply] = (await once(ws, 'message')) as [Buffer];
  assert.equal(reply.toString(), 'echo: ping');
  ws.close();
}

describe('embedded in node:http', { timeout: 60_000 }, () => {
  it('serves the SDK and the server API under the prefix, beside the app and its own WebSocket', async () => {
    await using t = setup();
    const realtime = await embedTestNode({ prometheus: { enabled: true } });
    t.defer(realtime, (r) => r.close());
    const { server, chat } = appServer(realtime);
    const base = await listen(server);
    t.defer(server, closeServer);
    t.defer(chat, (c) => c.close());

    const client = t.defer(await deliversThrough(`${base}${PREFIX}`, 'news'), (c) => c.disconnect());
    assert.equal(client.state, 'connected');
    assert.equal(realtime.node.connections.size, 1);

    assert.equal(await (await fetch(`${base}/hello`)).text(), 'hello from the app');
    await appWebSocketEchoes(base);
    assert.equal((await fetch(`${base}${PREFIX}/health`)).status, 200);
    assert.equal((await fetch(`${base}${PREFIX}/ready`)).status, 200);
    assert.match(await (await fetch(`${base}${PREFIX}/metrics`)).text(), /switchboard_/);
    // The node's paths only under the prefix; anything else is the app's.
    for (const path of ['/api/publish', '/health', `${PREFIX}/nope`, `${PREFIX}x/health`, PREFIX]) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(await res.text(), 'app: no such page', path);
    }
    // The WebSocket path without an upgrade is the node's (426), as on a standalone node.
    assert.equal((await fetch(`${base}${PREFIX}/connection/websocket`)).status, 426);
    const unauthorized = await fetch(`${base}${PREFIX}/api/info`, { method: 'POST', body: '{}' });
    assert.equal(unauthorized.status, 401);
  });

  it('serves HTTP streaming (the SDK) and SSE (uni_sse) through the app port', async () => {
    await using t = setup();
    const realtime = await embedTestNode({ http_stream: { enabled: true }, uni_sse: { enabled: true } });
    t.defer(realtime, (r) => r.close());
    const { server, chat } = appServer(realtime);
    const base = await listen(server);
    t.defer(server, closeServer);
    t.defer(chat, (c) => c.close());

    const client = t.defer(
      streamClient(`${base}${PREFIX}`, ['http_stream'], 'json', { token: await token('streamer') }),
      (c) => c.disconnect(),
    );
    const transports: string[] = [];
    client.on('connected', (ctx) => transports.push(ctx.transport));
    const sub = client.newSubscription('feed');
    const got = collect(sub);
    sub.subscribe();
    client.connect();
    await sub.ready(5000);
    assert.deepEqual(transports, ['http_stream']);
    assert.equal(
      (await callApi(`${base}${PREFIX}`, 'publish', { channel: 'feed', data: { n: 1 } })).status,
      200,
    );
    await waitFor(() => got.length === 1, 'a publication over http_stream', 5000);
    assert.deepEqual(got[0]?.data, { n: 1 });
    // Client commands after connect travel through the prefixed /emulation endpoint.
    const refused = await sub.presenceStats().then(
      () => 0,
      (error: { code?: number }) => error.code,
    );
    assert.equal(refused, 108, 'presence is off: refused by the node');

    const connect = JSON.stringify({ token: await token('sse-user', { channels: ['feed'] }) });
    const aborted = new AbortController();
    t.defer(aborted, (a) => a.abort());
    const res = await fetch(`${base}${PREFIX}/connection/uni_sse?cf_connect=${encodeURIComponent(connect)}`, {
      signal: aborted.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = sseText(res);
    await waitFor(() => events.text.includes('"connect"'), 'the connect push over SSE', 5000);
    assert.equal(
      (await callApi(`${base}${PREFIX}`, 'publish', { channel: 'feed', data: { n: 2 } })).status,
      200,
    );
    await waitFor(() => events.text.includes('{"n":2}'), 'the publication over SSE', 5000);
    assert.match(events.text, /^data: /m);
  });

  it('close() drains the node and leaves the app serving', async () => {
    await using t = setup();
    const realtime = await embedTestNode({ shutdown: { drain_duration: '600ms', drain_waves: 2 } });
    const { server, chat } = appServer(realtime);
    const base = await listen(server);
    t.defer(server, closeServer);
    t.defer(chat, (c) => c.close());
    const clients = [
      await deliversThrough(`${base}${PREFIX}`, 'a', 'u1'),
      await deliversThrough(`${base}${PREFIX}`, 'b', 'u2'),
    ];
    for (const c of clients) t.defer(c, (client) => client.disconnect());
    const codes: number[] = [];
    for (const c of clients) c.on('disconnected', (ctx) => codes.push(ctx.code));
    for (const c of clients) c.on('connecting', (ctx) => codes.push(ctx.code));

    const closed = realtime.close();
    // While it drains: not ready, and new connections refused.
    const ready = await fetch(`${base}${PREFIX}/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'not ready', reason: 'draining' });
    assert.equal(await refusedWith(`${base.replace(/^http/, 'ws')}${PREFIX}/connection/websocket`), 503);
    await closed;

    await waitFor(() => codes.length >= 2, 'both clients told to reconnect', 5000);
    assert.ok(
      codes.every((code) => code === 3001),
      `codes: ${codes.join(',')}`,
    );
    assert.equal(realtime.node.connections.size, 0);
    assert.equal(server.listening, true);
    assert.equal(await (await fetch(`${base}/hello`)).text(), 'hello from the app');
    await appWebSocketEchoes(base);
    // The node is off the server: its paths are the app's now.
    const api = await fetch(`${base}${PREFIX}/api/publish`, { method: 'POST', body: '{}' });
    assert.equal(api.status, 404);
    assert.equal(await api.text(), 'app: no such page');
    assert.equal(server.listenerCount('upgrade'), 1, 'only the app upgrade listener is left');
  });

  it('answers 404 without next, and refuses upgrades nobody else takes', async () => {
    await using t = setup();
    const realtime = await embedTestNode({}, { prefix: '' });
    t.defer(realtime, (r) => r.close());
    const server = createServer((req, res) => realtime.handle(req, res));
    realtime.attach(server);
    const base = await listen(server);
    t.defer(server, closeServer);

    const client = t.defer(await deliversThrough(base, 'root'), (c) => c.disconnect());
    assert.equal(client.state, 'connected');
    const missing = await fetch(`${base}/elsewhere`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: 'not found' });
    // The landing page at / is not taken from an application (the demo is off).
    assert.equal((await fetch(`${base}/`)).status, 404);
    assert.equal(await refusedWith(`${base.replace(/^http/, 'ws')}/other`), 404);
    assert.throws(
      () => realtime.attach(server),
      (error: unknown) => {
        return error instanceof EmbedOptionError && error.option === 'server';
      },
    );
  });

  it('routed by hand from the app upgrade listener (the ws pattern), ends upgrades on its path once closed', async () => {
    await using t = setup();
    const realtime = await embedTestNode({ shutdown: { drain_duration: 0 } });
    // `ws`'s own pattern for several servers on one HTTP server, the node's upgrades routed by hand:
    // with no attach, its upgrade listener is the only one, and ends what nobody took.
    const server = createServer((req, res) => realtime.handle(req, res));
    const chat = new WebSocketServer({ noServer: true });
    chat.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo: ${data}`)));
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/chat') chat.handleUpgrade(req, socket, head, (ws) => chat.emit('connection', ws));
      else if (!realtime.handleUpgrade(req, socket, head)) socket.destroy();
    });
    const base = await listen(server);
    t.defer(chat, (c) => c.close());

    const client = await deliversThrough(`${base}${PREFIX}`, 'routed');
    const codes: number[] = [];
    client.on('disconnected', (ctx) => codes.push(ctx.code));
    client.on('connecting', (ctx) => codes.push(ctx.code));
    await appWebSocketEchoes(base);
    await realtime.close();
    await waitFor(() => codes.includes(3001), 'the client told to reconnect', 5000);
    // The SDK comes back to the node's path: nobody answers it now, and the listener ends it.
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}${PREFIX}/connection/websocket`);
    const [error] = (await once(socket, 'error')) as [Error];
    assert.match(error.message, /socket hang up|ECONNRESET/);
    client.disconnect();
    // Nothing is left waiting on the server: it closes.
    await closeServer(server);
    assert.equal(server.listening, false);
  });

  it('refuses a bad prefix and a TLS config, naming the option', async () => {
    for (const prefix of ['realtime', '/realtime/', '/a//b', '/a?b', '/../x']) {
      await assert.rejects(
        embedTestNode({}, { prefix }),
        (error: unknown) => {
          return (
            error instanceof EmbedOptionError &&
            error.option === 'prefix' &&
            error.code === 'EMBED_OPTION_INVALID'
          );
        },
        prefix,
      );
    }
    await assert.rejects(
      embedTestNode({ http_server: { tls: { enabled: true, cert_pem: 'x', key_pem: 'y' } } }),
      (error: unknown) => error instanceof EmbedOptionError && error.option === 'http_server.tls',
    );
  });

  it('publishes in process through call() and publish()', async () => {
    await using t = setup();
    const realtime = await embedTestNode({
      channel: { namespaces: [{ name: 'chat', history_size: 10, history_ttl: '60s' }] },
    });
    t.defer(realtime, (r) => r.close());
    const server = createServer((req, res) => realtime.handle(req, res));
    realtime.attach(server);
    const base = await listen(server);
    t.defer(server, closeServer);
    const client = t.defer(
      newClient(`${base.replace(/^http/, 'ws')}${PREFIX}/connection/websocket`, {
        token: await token('bob'),
      }),
      (c) => c.disconnect(),
    );
    const sub = client.newSubscription('chat:room');
    const got = collect(sub);
    sub.subscribe();
    client.connect();
    await sub.ready(5000);
    const result = await realtime.publish('chat:room', { text: 'in process' });
    assert.equal(result.offset, 1);
    await waitFor(() => got.length === 1, 'the in-process publication', 5000);
    assert.deepEqual(got[0]?.data, { text: 'in process' });
    await assert.rejects(realtime.call('publish', { channel: '', data: {} }), (error: { code?: number }) => {
      return error.code === 107;
    });
  });
});
