/**
 * Real export: with `opentelemetry.enabled` and no in-process exporter, a node sends its spans over
 * OTLP/HTTP to where `OTEL_EXPORTER_OTLP_ENDPOINT` points — here a small collector (node:http taking
 * POST /v1/traces) — batched, and flushed when the node stops. `OTEL_SERVICE_NAME` names the service.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setup, TEST_API_KEY, waitFor } from '../harness/index.js';

interface Received {
  path: string;
  contentType: string;
  body: string;
}

describe('tracing: OTLP/HTTP export', () => {
  const received: Received[] = [];
  let collector: http.Server;
  before(async () => {
    collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          path: `${req.method} ${req.url}`,
          contentType: String(req.headers['content-type']),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    // Read by the exporter when the node builds it.
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = `http://127.0.0.1:${port}`;
    process.env['OTEL_SERVICE_NAME'] = 'switchboard-otlp-test';
  });
  after(() => {
    delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    delete process.env['OTEL_SERVICE_NAME'];
    collector.closeAllConnections();
    collector.close();
  });

  it('server API spans reach the collector at /v1/traces', async () => {
    const t = setup();
    const node = await t.node({ node: { name: 'otlp-node' }, opentelemetry: { enabled: true, api: true } });
    const traceparent = '00-5b8aa5a2d2c872e8321cf37308d69df2-051581bf3cb55c13-01';
    for (const channel of ['a', 'b']) {
      const res = await fetch(`${node.baseUrl}/api/publish`, {
        method: 'POST',
        headers: { 'x-api-key': TEST_API_KEY, traceparent },
        body: JSON.stringify({ channel, data: {} }),
      });
      assert.equal(res.status, 200);
    }
    assert.equal(received.length, 0, 'spans are batched, not sent one by one');
    await t.cleanup();
    await waitFor(() => received.length > 0, 'an export');
    const [first] = received;
    assert.equal(first!.path, 'POST /v1/traces');
    const body = received.map((r) => r.body).join('\n');
    // OTLP/JSON, the exporter's encoding: ids in hex, attributes as key/value lists.
    assert.equal(first!.contentType, 'application/json');
    assert.equal((body.match(/"name":"POST \/api\/publish"/g) ?? []).length, 2);
    assert.match(body, /"traceId":"5b8aa5a2d2c872e8321cf37308d69df2"/);
    assert.match(body, /"parentSpanId":"051581bf3cb55c13"/);
    assert.match(body, /"stringValue":"switchboard-otlp-test"/);
    assert.match(body, /"stringValue":"otlp-node"/);
  });
});
