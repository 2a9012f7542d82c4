/**
 * An embedded node traces its server API as a standalone one does: a call through the app's port
 * under the prefix is a span continuing the caller's `traceparent` (in-process exporter).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { setup, TEST_API_KEY } from '../harness/index.js';
import { closeServer, embedTestNode, listen, PREFIX } from './helpers.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('embedded tracing', () => {
  it('a server API call through the app port is a span of the caller trace', async () => {
    await using t = setup();
    const exporter = new InMemorySpanExporter();
    const realtime = await embedTestNode(
      { opentelemetry: { enabled: true, api: true } },
      { prefix: PREFIX, spanExporter: exporter },
    );
    t.defer(realtime, (r) => r.close());
    const server = createServer((req, res) => realtime.handle(req, res));
    realtime.attach(server);
    const base = await listen(server);
    t.defer(server, closeServer);
    const res = await fetch(`${base}${PREFIX}/api/publish`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': TEST_API_KEY,
        traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ channel: 'news', data: {} }),
    });
    assert.equal(res.status, 200);
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 1);
    assert.equal(spans[0]?.name, 'POST /api/publish');
    assert.equal(spans[0]?.spanContext().traceId, TRACE);
  });
});
