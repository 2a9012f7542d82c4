/**
 * The HTTP proxies end to end over raw frames: a real HTTP backend (node:http) answers connect,
 * subscribe, publish and rpc with Centrifugo's JSON shapes; the node forwards allow-listed headers
 * and emulated headers only where configured, maps the backend's errors and disconnects, and turns
 * a backend that is down, slow or answers garbage into error 100, temporary.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { closeCode, errorCode, setup, type TestScope, waitFor } from '../harness/index.js';

type Handler = (path: string, body: Record<string, unknown>, headers: http.IncomingHttpHeaders) => unknown;

interface Backend {
  url: string;
  calls: Array<{ path: string; body: Record<string, unknown>; headers: http.IncomingHttpHeaders }>;
  handler: Handler;
  close(): Promise<void>;
}

async function startBackend(handler: Handler): Promise<Backend> {
  const backend: Backend = { url: '', calls: [], handler, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      backend.calls.push({ path: req.url ?? '', body, headers: req.headers });
      const answer = backend.handler(req.url ?? '', body, req.headers);
      if (answer === 'hang') return;
      if (typeof answer === 'number') {
        res.writeHead(answer).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(typeof answer === 'string' ? answer : JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  backend.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return backend;
}

async function backendIn(scope: TestScope, handler: Handler): Promise<Backend> {
  return scope.defer(await startBackend(handler), (b) => b.close());
}

function proxyConfig(url: string) {
  return {
    client: {
      proxy: {
        connect: {
          enabled: true,
          endpoint: `${url}/connect`,
          timeout: '500ms',
          http_headers: ['Cookie', 'X-Real-Ip'],
          emulated_headers: ['Authorization'],
        },
      },
    },
    channel: {
      proxy: { subscribe: { endpoint: `${url}/subscribe` }, publish: { endpoint: `${url}/publish` } },
      namespaces: [{ name: 'room', subscribe_proxy_enabled: true, publish_proxy_enabled: true }],
    },
    rpc: { proxy: { endpoint: `${url}/rpc` }, without_namespace: { proxy_enabled: true } },
  };
}

describe('HTTP proxies', () => {
  it('connect: cookies and allowed headers reach the backend, its user and data reach the client', async () => {
    await using scope = setup();
    const backend = await backendIn(scope, (path, _body, headers) =>
      path === '/connect' && headers.cookie === 'sid=abc'
        ? { result: { user: '42', info: { name: 'Alice' }, data: { hello: 1 }, channels: ['room:lobby'] } }
        : { error: { code: 4001, message: 'who are you' } },
    );
    const node = await scope.node(proxyConfig(backend.url));
    const client = await scope.raw(node.wsUrl, {
      cookie: 'sid=abc',
      'x-real-ip': '1.2.3.4',
      'x-other': 'no',
    });
    const reply = await client.call(1, 'connect', {
      name: 'js',
      headers: { Authorization: 'Bearer t', Cookie: 'forged' },
    });
    const result = reply['connect'] as Record<string, unknown>;
    assert.deepEqual(result['data'], { hello: 1 });
    assert.ok((result['subs'] as Record<string, unknown>)['room:lobby'] !== undefined);
    const call = backend.calls[0]!;
    assert.equal(call.body['client'], result['client']);
    assert.equal(call.body['transport'], 'websocket');
    assert.equal(call.body['protocol'], 'json');
    assert.equal(call.body['name'], 'js');
    assert.equal(call.headers.cookie, 'sid=abc', 'the transport cookie wins over the emulated one');
    assert.equal(call.headers['x-real-ip'], '1.2.3.4');
    assert.equal(call.headers.authorization, 'Bearer t');
    assert.equal(call.headers['x-other'], undefined);
  });

  it('connect: a backend error goes to the client as it came', async () => {
    await using scope = setup();
    const backend = await backendIn(scope, () => ({ error: { code: 4001, message: 'who are you' } }));
    const node = await scope.node(proxyConfig(backend.url));
    const client = await scope.raw(node.wsUrl);
    const reply = await client.call(1, 'connect', {});
    assert.deepEqual(reply['error'], { code: 4001, message: 'who are you' });
  });

  it('connect: a backend disconnect closes the connection with its code', async () => {
    await using scope = setup();
    const backend = await backendIn(scope, () => ({ disconnect: { code: 4500, reason: 'banned' } }));
    const node = await scope.node(proxyConfig(backend.url));
    const client = await scope.raw(node.wsUrl);
    client.send(JSON.stringify({ id: 1, connect: {} }));
    assert.equal(await closeCode(client), 4500);
  });

  for (const [what, answer] of [
    ['down (503)', 503],
    ['slow (no answer)', 'hang'],
    ['answering garbage', 'not json{'],
    ['answering a bad result', '{"result":{"user":42}}'],
  ] as const) {
    it(`connect: a backend ${what} is error 100, temporary`, async () => {
      await using scope = setup();
      const backend = await backendIn(scope, () => answer);
      const node = await scope.node(proxyConfig(backend.url));
      const client = await scope.raw(node.wsUrl);
      const started = Date.now();
      const reply = await client.call(1, 'connect', {});
      assert.equal(errorCode(reply), 100);
      assert.equal((reply['error'] as Record<string, unknown>)['temporary'], true);
      if (answer === 'hang') assert.ok(Date.now() - started >= 450, 'waited for the timeout');
    });
  }

  it('connect: a backend answering more than 16 MiB is cut off, error 100, temporary', async () => {
    await using scope = setup();
    const big = `{"result":{"user":"x","data":"${'a'.repeat(17 * 1024 * 1024)}"}}`;
    const backend = await backendIn(scope, () => big);
    const node = await scope.node(proxyConfig(backend.url));
    const client = await scope.raw(node.wsUrl);
    const reply = await client.call(1, 'connect', {});
    assert.equal(errorCode(reply), 100);
    assert.equal((reply['error'] as Record<string, unknown>)['temporary'], true);
  });

  it('subscribe, publish and rpc go through the backend', async () => {
    await using scope = setup();
    const backend = await backendIn(scope, (path, body) => {
      if (path === '/connect') return { result: { user: '7', meta: { plan: 'pro' } } };
      if (path === '/subscribe') {
        return body['channel'] === 'room:ok'
          ? { result: { info: { role: 'mod' }, data: { welcome: true } } }
          : { error: { code: 403, message: 'forbidden' } };
      }
      if (path === '/publish') return { result: { data: { ...(body['data'] as object), checked: true } } };
      if (path === '/rpc') return { result: { data: { echo: body['data'], method: body['method'] } } };
      return 404;
    });
    const node = await scope.node(proxyConfig(backend.url));
    const client = await scope.raw(node.wsUrl);
    await client.call(1, 'connect', {});
    const refused = await client.call(2, 'subscribe', { channel: 'room:no' });
    assert.deepEqual(refused['error'], { code: 403, message: 'forbidden' });
    const ok = await client.call(3, 'subscribe', { channel: 'room:ok' });
    assert.deepEqual((ok['subscribe'] as Record<string, unknown>)['data'], { welcome: true });
    const published = await client.call(4, 'publish', { channel: 'room:ok', data: { text: 'hi' } });
    assert.deepEqual(published['publish'], {});
    await waitFor(() =>
      client.received.some((m) => (m['push'] as Record<string, unknown> | undefined)?.['pub']),
    );
    const push = client.received.find((m) => m['push'] !== undefined)!['push'] as Record<
      string,
      Record<string, unknown>
    >;
    assert.deepEqual(push['pub']!['data'], { text: 'hi', checked: true });
    assert.deepEqual((push['pub']!['info'] as Record<string, unknown>)['chan_info'], { role: 'mod' });
    const rpc = await client.call(5, 'rpc', { method: 'getTime', data: { x: 1 } });
    assert.deepEqual(rpc['rpc'], { data: { echo: { x: 1 }, method: 'getTime' } });
    const rpcNs = await client.call(6, 'rpc', { method: 'nope:x', data: {} });
    assert.equal(errorCode(rpcNs), 104);
    const sub = backend.calls.find((c) => c.path === '/subscribe')!;
    assert.equal(sub.body['user'], '7');
    assert.equal(sub.body['meta'], undefined, 'meta only with include_connection_meta');
  });
});
