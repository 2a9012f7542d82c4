/**
 * The includable nginx configuration (deploy/nginx/): the same as deploy/nginx.conf, and working
 * with a real nginx in front of two real node processes on a real Redis: WebSocket, SSE and HTTP
 * streaming (unbuffered: a publication arrives promptly), unidirectional SSE, the server API, the
 * admin UI across nodes, /metrics only locally, nothing else; and the headers every location sets,
 * seen by a plain HTTP server in the nodes' place.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { streamClient } from '../gateway/streams/helpers.js';
import {
  collect,
  type Nginx,
  type NodeProcess,
  newClient,
  type RedisServer,
  sleep,
  startNodeProcess,
  startRedis,
  TEST_API_KEY,
  token,
  waitFor,
} from '../harness/index.js';
import { ROOT } from './manifests.js';
import { directives, SERVER_SNIPPET, startIncludedNginx, UPSTREAM_SNIPPET } from './nginx-include.js';

const ADMIN = {
  enabled: true,
  password: 'admin-password-for-nginx',
  secret: 'one-admin-secret-for-every-node',
};

/** A GET from a chosen local address (127.0.0.2 is not 127.0.0.1 to nginx's allow rules). */
function getFrom(url: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function publish(base: string, channel: string, data: unknown): Promise<number> {
  const res = await fetch(`${base}/api/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
    body: JSON.stringify({ channel, data }),
  });
  return res.status;
}

describe('the includable nginx configuration', () => {
  it('is deploy/nginx.conf’s http content, split into an upstream part and a server part', () => {
    const whole = directives(readFileSync(join(ROOT, 'deploy', 'nginx.conf'), 'utf8'));
    const http = whole.slice(whole.indexOf('http {') + 1, -1).filter((d) => d !== 'access_log off;');
    const parts = [
      ...directives(readFileSync(UPSTREAM_SNIPPET, 'utf8')),
      ...directives(readFileSync(SERVER_SNIPPET, 'utf8')),
    ];
    assert.deepEqual(parts, http);
    assert.equal(whole.at(-1), '}', 'nginx.conf ends with the http block');
  });
});

describe('nginx with the included configuration in front of two nodes', () => {
  let redis: RedisServer;
  let nodes: NodeProcess[];
  let nginx: Nginx;
  const clients: Centrifuge[] = [];

  before(async () => {
    redis = await startRedis();
    nodes = await Promise.all(
      ['node-1', 'node-2'].map((name) =>
        startNodeProcess(name, {
          engine: { redis: { address: redis.url } },
          http_stream: { enabled: true },
          sse: { enabled: true },
          uni_sse: { enabled: true },
          admin: ADMIN,
        }),
      ),
    );
    nginx = await startIncludedNginx(nodes.map((n) => n.port));
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await nginx?.stop();
    await Promise.all((nodes ?? []).map((n) => n.stop()));
    await redis?.stop();
  });

  /** A raw bidirectional SSE session through nginx: every `data:` event, parsed. */
  async function openSse(user: string): Promise<{ events: Record<string, unknown>[]; close(): void }> {
    const connect = JSON.stringify({ id: 1, connect: { token: await token(user) } });
    const req = request(`${nginx.baseUrl}/connection/sse?cf_connect=${encodeURIComponent(connect)}`);
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    assert.equal(res.statusCode, 200, 'SSE through nginx');
    assert.match(String(res.headers['content-type']), /text\/event-stream/);
    const events: Record<string, unknown>[] = [];
    let buffered = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffered += chunk;
      for (let i = buffered.indexOf('\n\n'); i !== -1; i = buffered.indexOf('\n\n')) {
        const block = buffered.slice(0, i);
        buffered = buffered.slice(i + 2);
        for (const line of block.split('\n')) {
          if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
        }
      }
    });
    return { events, close: () => req.destroy() };
  }

  it('carries WebSocket, HTTP-streaming and SSE sessions; publications arrive promptly (no buffering)', async () => {
    const sessions: { name: string; client: Centrifuge; got: PublicationContext[] }[] = [
      { name: 'websocket', client: newClient(nginx.wsUrl, { token: await token('ws-user') }), got: [] },
      {
        name: 'http_stream',
        client: streamClient(nginx.baseUrl, ['http_stream'], 'json', { token: await token('hs-user') }),
        got: [],
      },
    ];
    for (const session of sessions) {
      clients.push(session.client);
      const transport = new Promise<string>((resolve) =>
        session.client.once('connected', (ctx) => resolve(ctx.transport)),
      );
      const sub = session.client.newSubscription('through-nginx');
      session.got = collect(sub);
      sub.subscribe();
      session.client.connect();
      await sub.ready(10_000);
      assert.equal(await transport, session.name, `${session.name} is the transport in use`);
    }
    // SSE by hand (Node 20 has no EventSource for the SDK): connect on the stream, subscribe through
    // /emulation, which nginx may send to the other node (forwarded through Redis).
    const sse = await openSse('sse-user');
    try {
      await waitFor(() => sse.events.length > 0, 'the connect reply on the SSE stream', 5000);
      const reply = sse.events[0] as { connect?: { session: string; node: string } };
      assert.ok(reply.connect !== undefined, JSON.stringify(reply));
      const data = JSON.stringify({ id: 2, subscribe: { channel: 'through-nginx' } });
      const emulation = await fetch(`${nginx.baseUrl}/emulation`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ session: reply.connect.session, node: reply.connect.node, data }),
      });
      assert.equal(emulation.status, 204, '/emulation through nginx');
      await waitFor(
        () => sse.events.some((e) => e['id'] === 2),
        'the subscribe reply on the SSE stream',
        5000,
      );
      const ssePublications = (): number[] =>
        sse.events.flatMap((e) => {
          const n = (e as { push?: { pub?: { data?: { n?: number } } } }).push?.pub?.data?.n;
          return n === undefined ? [] : [n];
        });
      for (let n = 1; n <= 5; n++) {
        const sent = performance.now();
        assert.equal(
          await publish(nginx.baseUrl, 'through-nginx', { n }),
          200,
          'the server API through nginx',
        );
        await waitFor(
          () => sessions.every((s) => s.got.length >= n) && ssePublications().length >= n,
          `publication ${n} on every transport`,
          5000,
        );
        const ms = performance.now() - sent;
        assert.ok(ms < 1000, `publication ${n} reached every session ${Math.round(ms)} ms after the publish`);
      }
      for (const session of sessions) {
        assert.deepEqual(
          session.got.map((p) => (p.data as { n: number }).n),
          [1, 2, 3, 4, 5],
          session.name,
        );
      }
      assert.deepEqual(ssePublications(), [1, 2, 3, 4, 5], 'sse');
    } finally {
      sse.close();
    }
  });

  it('streams unidirectional SSE event by event', async () => {
    const connect = encodeURIComponent(JSON.stringify({ token: await token('uni-user') }));
    const events: string[] = [];
    const req = request(`${nginx.baseUrl}/connection/uni_sse?cf_connect=${connect}`);
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/event-stream/);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.startsWith('data: ')) events.push(line.slice(6));
    });
    try {
      await waitFor(() => events.some((e) => e.includes('"connect"')), 'the connect push', 5000);
      const sent = performance.now();
      assert.equal(await publish(nginx.baseUrl, '#uni-user', { hello: 'uni' }), 200);
      await waitFor(() => events.some((e) => e.includes('"hello":"uni"')), 'the publication', 5000);
      const ms = performance.now() - sent;
      assert.ok(ms < 1000, `the publication arrived ${Math.round(ms)} ms after the publish`);
    } finally {
      req.destroy();
    }
  });

  it('routes the admin UI (its session token good on every node), keeps /metrics local, serves nothing else', async () => {
    assert.equal((await fetch(`${nginx.baseUrl}/admin/`)).status, 200);
    const login = await fetch(`${nginx.baseUrl}/admin/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: ADMIN.password }),
    });
    assert.equal(login.status, 200);
    const { token: session } = (await login.json()) as { token: string };
    const info = (base: string) =>
      fetch(`${base}/admin/api/info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `token ${session}` },
        body: '{}',
      });
    assert.equal((await info(nginx.baseUrl)).status, 200, 'an admin call through nginx');
    // Whichever node nginx sent the login to, the token works on every node (one admin.secret).
    for (const node of nodes)
      assert.equal((await info(node.baseUrl)).status, 200, `the token on ${node.name}`);
    const metrics = await fetch(`${nginx.baseUrl}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^switchboard_connections /m);
    assert.equal(
      await getFrom(`${nginx.baseUrl}/metrics`, '127.0.0.2'),
      403,
      '/metrics refused off this machine',
    );
    assert.equal(await getFrom(`${nginx.baseUrl}/health`, '127.0.0.2'), 200);
    assert.equal((await fetch(`${nginx.baseUrl}/`)).status, 404, 'nothing else is served');
    assert.equal((await fetch(`${nginx.baseUrl}/ready`)).status, 404, 'readiness is probed on each node');
  });
});

describe('the headers every location sends to the nodes', () => {
  let upstream: Server;
  let nginx: Nginx;
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

  before(async () => {
    upstream = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
    upstream.on('upgrade', (req, socket) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    nginx = await startIncludedNginx([(upstream.address() as AddressInfo).port]);
  });
  after(async () => {
    await nginx?.stop();
    upstream?.close();
  });

  it('set X-Real-IP, X-Forwarded-For (appended to) and X-Forwarded-Proto on every proxied path', async () => {
    const paths = [
      '/connection/http_stream',
      '/connection/sse',
      '/connection/uni_http_stream',
      '/connection/uni_sse',
      '/emulation',
      '/api/publish',
      '/admin/',
      '/admin/auth',
    ];
    for (const path of paths) {
      const res = await fetch(`${nginx.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'x-forwarded-for': '203.0.113.7' },
        body: '{}',
      });
      assert.equal(res.status, 200, path);
      await res.arrayBuffer();
    }
    const upgrade = request(`${nginx.baseUrl}/connection/websocket`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'x-forwarded-for': '203.0.113.7' },
    });
    upgrade.end();
    const [res] = (await once(upgrade, 'response')) as [IncomingMessage];
    res.resume();
    paths.push('/connection/websocket');
    for (const path of paths) {
      const request = seen.find((s) => s.url === path);
      assert.ok(request !== undefined, `${path} reached the upstream`);
      assert.equal(request.headers['x-real-ip'], '127.0.0.1', `${path} X-Real-IP`);
      assert.equal(request.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1', `${path} X-Forwarded-For`);
      assert.equal(request.headers['x-forwarded-proto'], 'http', `${path} X-Forwarded-Proto`);
    }
    assert.equal(seen.find((s) => s.url === '/connection/websocket')?.headers['upgrade'], 'websocket');
  });

  it('limits admin logins per address in nginx, past a burst of 5', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await fetch(`${nginx.baseUrl}/admin/auth`, { method: 'POST', body: '{}' });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.ok(statuses.includes(429), `nginx answers 429 past the burst: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 200).length <= 7, true, statuses.join(','));
    // The rest of the admin UI is not limited.
    await sleep(10);
    assert.equal((await fetch(`${nginx.baseUrl}/admin/app.js`)).status, 200);
  });
});
