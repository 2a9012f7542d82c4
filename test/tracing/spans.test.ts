/**
 * Spans of a node started in this process with an in-process exporter (InMemorySpanExporter), over
 * real HTTP: a server API call continues the caller's `traceparent` (its method and result as
 * attributes; a new trace without one, nothing with `opentelemetry.api` off); a proxy call is a client
 * span whose `traceparent` reaches a real HTTP backend as a header and a real gRPC backend as metadata,
 * so the backend continues the trace; without `opentelemetry.enabled` nothing is traced at all.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { setup, TEST_API_KEY, type TestScope } from '../harness/index.js';
import { backend as grpcBackend } from '../proxy/grpc-caller-fixture.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE}-${PARENT}-01`;
/** `00-<trace id>-<span id>-<flags>` */
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

function post(baseUrl: string, method: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY, ...headers },
    body: JSON.stringify(body),
  });
}

async function tracedNode(t: TestScope, config: Record<string, unknown> = {}, api = true) {
  const exporter = new InMemorySpanExporter();
  const node = await t.node({ opentelemetry: { enabled: true, api }, ...config }, { spanExporter: exporter });
  return { node, spans: (): ReadableSpan[] => exporter.getFinishedSpans() };
}

async function httpBackend(t: TestScope): Promise<{ url: string; traceparents: string[] }> {
  const traceparents: string[] = [];
  const server = http.createServer((req, res) => {
    traceparents.push(String(req.headers.traceparent ?? ''));
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result: { user: 'alice' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.defer(server, (s) => {
    s.closeAllConnections();
    s.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, traceparents };
}

describe('tracing: server API', () => {
  it('a call continues the incoming traceparent, with method and result attributes', async () => {
    await using t = setup();
    const { node, spans } = await tracedNode(t);
    const res = await post(
      node.baseUrl,
      'publish',
      { channel: 'news', data: {} },
      { traceparent: TRACEPARENT },
    );
    assert.equal(res.status, 200);
    const [span] = spans();
    assert.ok(span, 'one span');
    assert.equal(span.name, 'POST /api/publish');
    assert.equal(span.kind, SpanKind.SERVER);
    assert.equal(span.spanContext().traceId, TRACE);
    assert.equal(span.parentSpanContext?.spanId, PARENT);
    assert.equal(span.attributes['switchboard.api.method'], 'publish');
    assert.equal(span.attributes['switchboard.api.result'], 'ok');
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  it('an error result marks the span; no traceparent starts a new trace; a malformed one is ignored', async () => {
    await using t = setup();
    const { node, spans } = await tracedNode(t);
    assert.equal((await post(node.baseUrl, 'publish', { channel: '', data: {} })).status, 200);
    await post(node.baseUrl, 'info', {}, { traceparent: 'not-a-traceparent' });
    const [bad, fresh] = spans();
    assert.equal(bad!.attributes['switchboard.api.result'], '107');
    assert.equal(bad!.status.code, SpanStatusCode.ERROR);
    assert.equal(bad!.parentSpanContext, undefined);
    assert.equal(fresh!.attributes['switchboard.api.method'], 'info');
    assert.equal(fresh!.parentSpanContext, undefined);
    assert.notEqual(bad!.spanContext().traceId, fresh!.spanContext().traceId);
  });

  it('opentelemetry.api off: no span for API calls', async () => {
    await using t = setup();
    const { node, spans } = await tracedNode(t, {}, false);
    assert.equal((await post(node.baseUrl, 'publish', { channel: 'news', data: {} })).status, 200);
    assert.equal(spans().length, 0);
  });

  it('opentelemetry.enabled off: no tracing at all', async () => {
    await using t = setup();
    const exporter = new InMemorySpanExporter();
    const backend = await httpBackend(t);
    const node = await t.node(
      {
        opentelemetry: { enabled: false, api: true },
        client: { proxy: { connect: { enabled: true, endpoint: `${backend.url}/connect` } } },
      },
      { spanExporter: exporter },
    );
    assert.equal(node.app.node !== undefined, true);
    await post(node.baseUrl, 'publish', { channel: 'news', data: {} }, { traceparent: TRACEPARENT });
    const client = await t.raw(node.wsUrl);
    await client.call(1, 'connect', {});
    assert.deepEqual(backend.traceparents, ['']);
    assert.equal(exporter.getFinishedSpans().length, 0);
  });
});

describe('tracing: proxy calls', () => {
  it('an HTTP proxy call is a client span whose traceparent the backend receives', async () => {
    await using t = setup();
    const backend = await httpBackend(t);
    const { node, spans } = await tracedNode(t, {
      client: { proxy: { connect: { enabled: true, endpoint: `${backend.url}/connect` } } },
    });
    const client = await t.raw(node.wsUrl);
    const reply = await client.call(1, 'connect', {});
    assert.equal(reply['error'], undefined);
    const span = spans().find((s) => s.name === 'proxy connect');
    assert.ok(
      span,
      spans()
        .map((s) => s.name)
        .join(', '),
    );
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.equal(span.attributes['switchboard.proxy.kind'], 'connect');
    assert.equal(span.attributes['switchboard.proxy.name'], 'connect');
    assert.equal(span.attributes['switchboard.proxy.protocol'], 'http');
    assert.equal(span.attributes['switchboard.proxy.result'], 'ok');
    const [sent] = backend.traceparents;
    const match = W3C.exec(sent ?? '');
    assert.ok(match, `traceparent ${sent}`);
    assert.equal(match[1], span.spanContext().traceId);
    assert.equal(match[2], span.spanContext().spanId);
  });

  it('a gRPC proxy call carries traceparent in its metadata; an unavailable backend marks the span', async () => {
    await using t = setup();
    const backend = await grpcBackend(t);
    backend.answer = () => ({ result: { user: 'alice' } });
    const { node, spans } = await tracedNode(t, {
      client: { proxy: { connect: { enabled: true, endpoint: `grpc://127.0.0.1:${backend.port}` } } },
    });
    const client = await t.raw(node.wsUrl);
    assert.equal((await client.call(1, 'connect', {}))['error'], undefined);
    const span = spans().find((s) => s.name === 'proxy connect');
    assert.ok(span);
    assert.equal(span.attributes['switchboard.proxy.protocol'], 'grpc');
    const sent = backend.received[0]!.metadata['traceparent'];
    const match = W3C.exec(String(sent));
    assert.ok(match, `metadata traceparent ${String(sent)}`);
    assert.equal(match[1], span.spanContext().traceId);
    assert.equal(match[2], span.spanContext().spanId);

    backend.stop();
    const again = await t.raw(node.wsUrl);
    assert.equal(((await again.call(1, 'connect', {}))['error'] as { code: number }).code, 100);
    const failed = spans().filter((s) => s.name === 'proxy connect')[1];
    assert.ok(failed);
    assert.equal(failed.attributes['switchboard.proxy.result'], 'unavailable');
    assert.equal(failed.status.code, SpanStatusCode.ERROR);
  });
});
