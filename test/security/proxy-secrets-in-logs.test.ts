/**
 * No cookie, credential or body reaches the log through the proxies: with logging at trace level,
 * connects carrying a session cookie and an emulated Authorization header, subscribes, publishes
 * and rpcs with marked data go to a backend that is refused, answers 503, answers garbage, times
 * out or answers errors; the log names the failed calls but holds none of the values.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { freePort, rawConnect, startTestNode, waitFor } from '../harness/index.js';

const COOKIE = 'sid=cookie-secret-7f1d2c';
const BEARER = 'Bearer emulated-secret-93ab11';
const STATIC = 'static-proxy-secret-55e0aa';
const DATA_MARK = 'body-secret-c0ffee';

type Mode = 'refused' | '503' | 'garbage' | 'hang' | 'error';

async function backend(mode: () => Mode): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const m = mode();
      if (m === 'hang') return;
      if (m === '503') {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      if (m === 'garbage') res.end(`not json ${DATA_MARK}`);
      else if (req.url === '/connect') res.end('{"result":{"user":"alice"}}');
      else res.end(`{"error":{"code":4001,"message":"refused"}}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function endpoint(url: string, path: string) {
  return {
    endpoint: `${url}${path}`,
    timeout: '300ms',
    http_headers: ['Cookie'],
    emulated_headers: ['Authorization'],
    include_connection_meta: true,
    http: { static_headers: { 'X-Proxy-Secret': STATIC } },
  };
}

describe('proxy secrets in logs', () => {
  it('logs failed proxy calls without cookies, credentials or bodies', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    let mode: Mode = 'error';
    const good = await backend(() => mode);
    const refusedUrl = `http://127.0.0.1:${await freePort()}`;
    const node = await startTestNode(
      {
        client: { proxy: { connect: { enabled: true, ...endpoint(good.url, '/connect') } } },
        channel: {
          proxy: {
            subscribe: endpoint(good.url, '/subscribe'),
            publish: endpoint(good.url, '/publish'),
          },
          namespaces: [{ name: 'room', subscribe_proxy_enabled: true, publish_proxy_enabled: true }],
        },
        rpc: { proxy: endpoint(refusedUrl, '/rpc'), without_namespace: { proxy_enabled: true } },
      },
      { logger: pino({ level: 'trace', base: { node: 'proxy-logs' } }, sink) },
    );
    try {
      const client = await rawConnect(node.wsUrl, { cookie: COOKIE });
      const connected = await client.call(1, 'connect', { headers: { Authorization: BEARER } });
      assert.ok(connected['connect'] !== undefined, 'connected through the proxy');
      let id = 2;
      for (const m of ['error', '503', 'garbage', 'hang'] as const) {
        mode = m;
        await client.call(id++, 'subscribe', { channel: `room:${m}`, data: { secret: DATA_MARK } });
        await client.call(id++, 'publish', { channel: 'room:x', data: { secret: DATA_MARK } });
      }
      // The rpc endpoint refuses connections.
      const rpc = await client.call(id++, 'rpc', { method: 'm', data: { secret: DATA_MARK } });
      assert.equal((rpc['error'] as Record<string, unknown>)['code'], 100);
      await waitFor(
        () => lines.filter((l) => l.includes('proxy call failed')).length >= 7,
        'failed calls logged',
      );
      const log = lines.join('');
      for (const secret of [
        COOKIE,
        'cookie-secret-7f1d2c',
        BEARER,
        'emulated-secret-93ab11',
        STATIC,
        DATA_MARK,
      ]) {
        assert.ok(!log.includes(secret), `the log contains a secret: ${secret}`);
      }
      client.ws.close();
    } finally {
      await node.stop();
      await good.close();
    }
  });
});
