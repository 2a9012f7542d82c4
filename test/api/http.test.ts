import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestNode, TEST_API_KEY, type TestNode } from '../harness/node.js';
import { apiError, postApi, rawRequest } from './helpers.js';

const MAX_BODY = 256;

/** Sends a chunked body (no content-length) in pieces, so the limit is hit while streaming. */
function postChunked(node: TestNode, chunks: string[]): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${node.baseUrl}/api/publish`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        res.on('error', reject);
      },
    );
    // The server may close the socket once it has answered 413; that is not a test failure.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('server API over HTTP: authentication, framing, errors', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({ http_api: { max_body_size: MAX_BODY } });
  });
  after(() => node.stop());

  it('answers 401 with a JSON error when the key is missing', async () => {
    const res = await rawRequest(node, '/api/info', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 401);
    assert.match(res.contentType, /application\/json/);
    assert.equal(apiError(res.body).code, 101);
  });

  it('answers 401 for a wrong key, also one that only differs in case or length', async () => {
    for (const key of ['wrong', TEST_API_KEY.toUpperCase(), `${TEST_API_KEY}x`, '']) {
      const res = await postApi(node, 'info', '{}', { 'x-api-key': key });
      assert.equal(res.status, 401, `key ${JSON.stringify(key)}`);
      assert.equal(apiError(res.body).code, 101);
    }
  });

  it('accepts the key in "Authorization: apikey <key>", any case of the scheme', async () => {
    for (const scheme of ['apikey', 'Apikey', 'APIKEY']) {
      const res = await rawRequest(node, '/api/info', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `${scheme} ${TEST_API_KEY}` },
        body: '{}',
      });
      assert.equal(res.status, 200, scheme);
      assert.ok(Array.isArray((res.body as { result: { nodes: unknown } }).result.nodes));
    }
    const wrong = await rawRequest(node, '/api/info', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'apikey nope' },
      body: '{}',
    });
    assert.equal(wrong.status, 401);
    const bearer = await rawRequest(node, '/api/info', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: '{}',
    });
    assert.equal(bearer.status, 401);
  });

  it('answers 405 to methods other than POST', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await rawRequest(node, '/api/info', { method, headers: { 'x-api-key': TEST_API_KEY } });
      assert.equal(res.status, 405, method);
      assert.equal(typeof apiError(res.body).code, 'number');
    }
  });

  it('answers 400 with code 107 to a body that is not JSON', async () => {
    for (const body of ['{', '{"channel":', 'not json', '{"a":1}}']) {
      const res = await postApi(node, 'publish', body);
      assert.equal(res.status, 400, body);
      assert.equal(apiError(res.body).code, 107);
    }
  });

  it('answers a request head HTTP cannot parse with 400 and a JSON error, then closes', async () => {
    for (const head of [
      'FOO /api/info HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET / HTTP/1.1\r\nBad Header\r\n\r\n',
    ]) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(node.port, '127.0.0.1', () => socket.end(head));
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => {
          text += chunk;
        });
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      const [status, ...rest] = answer.split('\r\n');
      assert.equal(status, 'HTTP/1.1 400 Bad Request', head);
      assert.match(answer, /\r\nContent-Type: application\/json\r\n/i);
      const body = JSON.parse(rest.slice(rest.indexOf('') + 1).join('\r\n')) as { error: { code: number } };
      assert.equal(body.error.code, 107, head);
    }
  });

  it('answers 415 to a content type that cannot hold a JSON body', async () => {
    for (const type of ['application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream']) {
      const res = await postApi(node, 'info', '{}', { 'content-type': type });
      assert.equal(res.status, 415, type);
      assert.equal(apiError(res.body).code, 107, type);
    }
  });

  it('accepts the content types JSON bodies arrive with', async () => {
    // fetch labels a string body text/plain and curl -d labels it a form; both still carry JSON.
    for (const type of [
      'application/json; charset=utf-8',
      'application/vnd.api+json',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
    ]) {
      const res = await postApi(node, 'info', '{}', { 'content-type': type });
      assert.equal(res.status, 200, type);
      assert.ok('result' in (res.body as object), type);
    }
    const none = await rawRequest(node, '/api/info', {
      method: 'POST',
      headers: { 'x-api-key': TEST_API_KEY },
      body: new Uint8Array(Buffer.from('{}')),
    });
    assert.equal(none.status, 200);
  });

  it('answers 413 to a body over http_api.max_body_size and keeps serving', async () => {
    const big = JSON.stringify({ channel: 'news', data: 'x'.repeat(MAX_BODY * 4) });
    const res = await postApi(node, 'publish', big);
    assert.equal(res.status, 413);
    assert.equal(apiError(res.body).code, 107);
    const after = await node.api('info');
    assert.equal(after.status, 200);
    assert.ok('result' in after.body);
  });

  it('answers 413 to a chunked body that grows over the limit while streaming', async () => {
    const piece = 'x'.repeat(100);
    const chunks = ['{"channel":"news","data":"', ...Array<string>(10).fill(piece), '"}'];
    const res = await postChunked(node, chunks);
    assert.equal(res.status, 413);
    assert.equal(apiError(res.body).code, 107);
    const after = await node.api('publish', { channel: 'news', data: 1 });
    assert.equal(after.status, 200);
    assert.deepEqual(after.body, { result: {} });
  });

  it('accepts a body just under the limit', async () => {
    const body = JSON.stringify({ channel: 'news', data: 'y' });
    assert.ok(body.length < MAX_BODY);
    const res = await postApi(node, 'publish', body);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { result: {} });
  });

  it('answers 404 with code 104 to an unknown method or a malformed API path', async () => {
    for (const path of ['/api/nope', '/api/', '/api', '/api/publish/extra']) {
      const res = await rawRequest(node, path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
        body: '{}',
      });
      assert.equal(res.status, 404, path);
      assert.equal(apiError(res.body).code, 104, path);
    }
  });

  it('answers error 107 when params are not an object', async () => {
    for (const body of ['[]', '"news"', '42', 'null', 'true']) {
      const res = await postApi(node, 'publish', body);
      assert.equal(res.status, 200, body);
      assert.equal(apiError(res.body).code, 107, body);
    }
  });

  it('answers error 107 for a missing or mistyped field', async () => {
    const cases: unknown[] = [
      { data: { x: 1 } },
      { channel: '', data: 1 },
      { channel: 42, data: 1 },
      { channel: 'news' },
      { channel: 'news', data: 1, tags: { a: 1 } },
      { channel: 'news', data: 1, skip_history: 'yes' },
    ];
    for (const params of cases) {
      const res = await node.api('publish', params);
      assert.equal(res.status, 200, JSON.stringify(params));
      assert.equal(apiError(res.body).code, 107, JSON.stringify(params));
    }
    const presence = await node.api('presence', {});
    assert.equal(apiError(presence.body).code, 107);
    const history = await node.api('history', {});
    assert.equal(apiError(history.body).code, 107);
  });

  it('treats an empty body as empty params', async () => {
    const info = await postApi(node, 'info', '');
    assert.equal(info.status, 200);
    assert.ok('result' in (info.body as object));
    const publish = await postApi(node, 'publish', '');
    assert.equal(apiError(publish.body).code, 107);
  });

  it('answers 102 for a channel in an unknown namespace', async () => {
    const res = await node.api('publish', { channel: 'nowhere:x', data: 1 });
    assert.equal(res.status, 200);
    assert.equal(apiError(res.body).code, 102);
  });

  it('serves /health with 200 {"status":"ok"} without a key', async () => {
    const res = await rawRequest(node, '/health');
    assert.equal(res.status, 200);
    assert.match(res.contentType, /application\/json/);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  it('answers 404 to an unknown path', async () => {
    const res = await rawRequest(node, '/nope');
    assert.equal(res.status, 404);
    assert.match(res.contentType, /application\/json/);
    const apiLike = await rawRequest(node, '/apix/info', {
      method: 'POST',
      headers: { 'x-api-key': TEST_API_KEY },
      body: '{}',
    });
    assert.equal(apiLike.status, 404);
  });
});

describe('server API with http_api.insecure', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({ http_api: { insecure: true, key: '' } });
  });
  after(() => node.stop());

  it('accepts calls without a key', async () => {
    const res = await rawRequest(node, '/api/info', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 200);
    assert.ok('result' in (res.body as object));
  });
});
