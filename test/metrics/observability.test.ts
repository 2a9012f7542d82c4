/**
 * The node's own figures at `/metrics` of a real node: `switchboard_build_info`,
 * `switchboard_engine_up` (always 1 on the memory engine; 0 while a real redis-server is down, 1
 * once it is back), the server API latency histogram by method and result (a batch is one request),
 * and the proxy call latency histogram after calls to a real HTTP backend.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { VERSION } from '../../src/version.js';
import { setup, TEST_API_KEY, waitFor } from '../harness/index.js';
import { scrape } from './scrape.js';

const H = 'switchboard_api_request_duration_seconds';

describe('observability metrics', () => {
  it('build info, and the memory engine is always up', async () => {
    await using t = setup();
    const node = await t.node();
    const s = await scrape(node.baseUrl);
    assert.equal(
      s.get('switchboard_build_info', {
        version: VERSION,
        node_version: process.version,
        platform: process.platform,
      }),
      1,
    );
    assert.equal(s.get('switchboard_engine_up'), 1);
  });

  it('engine_up is 0 while Redis is down and 1 once it is restarted', async () => {
    await using t = setup();
    const redis = await t.redis();
    const node = await t.node({ engine: { type: 'redis', redis: { address: redis.url } } });
    assert.equal((await scrape(node.baseUrl)).get('switchboard_engine_up'), 1);
    await redis.kill();
    await waitFor(
      async () => (await scrape(node.baseUrl)).get('switchboard_engine_up') === 0,
      'engine_up to read 0',
    );
    await redis.restart();
    await waitFor(
      async () => (await scrape(node.baseUrl)).get('switchboard_engine_up') === 1,
      'engine_up to read 1 again',
      15_000,
    );
    assert.equal((await node.api('publish', { channel: 'news', data: {} })).status, 200);
  });

  it('server API latency by method and result; a batch is one request', async () => {
    await using t = setup();
    const node = await t.node();
    const before = await scrape(node.baseUrl);
    assert.equal(before.count(`${H}_count`, { method: 'publish', result: 'ok' }), 0);
    for (let i = 0; i < 3; i++) await node.api('publish', { channel: 'news', data: { i } });
    await node.api('publish', { channel: '', data: {} });
    await node.api('batch', {
      commands: [{ publish: { channel: 'a', data: {} } }, { publish: { channel: 'b', data: {} } }],
    });
    const wrongKey = await fetch(`${node.baseUrl}/api/info`, {
      method: 'POST',
      headers: { 'x-api-key': `${TEST_API_KEY}-not` },
      body: '{}',
    });
    assert.equal(wrongKey.status, 401);
    await node.api('no_such_method');
    const s = await scrape(node.baseUrl);
    assert.equal(s.get(`${H}_count`, { method: 'publish', result: 'ok' }), 3);
    assert.equal(s.get(`${H}_count`, { method: 'publish', result: '107' }), 1);
    assert.equal(s.get(`${H}_count`, { method: 'batch', result: 'ok' }), 1);
    assert.equal(s.get(`${H}_count`, { method: 'info', result: '101' }), 1);
    assert.equal(s.get(`${H}_count`, { method: 'unknown', result: '104' }), 1);
    const sum = s.get(`${H}_sum`, { method: 'publish', result: 'ok' })!;
    assert.ok(sum > 0 && sum < 5, `publish took ${sum} s in all`);
    assert.equal(s.get(`${H}_bucket`, { method: 'publish', result: 'ok', le: '+Inf' }), 3);
  });

  it('proxy call latency: each call to a real backend is observed', async () => {
    await using t = setup();
    const backend = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // Slow enough to land above the 25 ms bucket.
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ result: { user: 'alice' } }));
        }, 40);
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    t.defer(backend, (b) => {
      b.closeAllConnections();
      b.close();
    });
    const url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    const node = await t.node({
      client: { proxy: { connect: { enabled: true, endpoint: `${url}/connect`, timeout: '2s' } } },
    });
    for (let i = 0; i < 2; i++) {
      const client = await t.raw(node.wsUrl);
      const reply = await client.call(1, 'connect', {});
      assert.equal((reply['connect'] as Record<string, unknown>)['client'] !== undefined, true);
    }
    const labels = { protocol: 'http', kind: 'connect', proxy: 'connect' };
    const s = await scrape(node.baseUrl);
    assert.equal(s.get('switchboard_proxy_call_duration_seconds_count', labels), 2);
    assert.equal(s.get('switchboard_proxy_call_duration_seconds_bucket', { ...labels, le: '0.025' }), 0);
    assert.equal(s.get('switchboard_proxy_call_duration_seconds_bucket', { ...labels, le: '+Inf' }), 2);
    assert.equal(s.get('switchboard_proxy_calls_total', { ...labels, result: 'ok' }), 2);
  });
});
