import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { PublicationContext } from 'centrifuge';
import { Publisher, PublisherError } from '../../packages/publisher/src/index.js';
import { Clients } from '../api/helpers.js';
import { sleep, startTestNode, TEST_API_KEY, type TestNode, waitFor } from '../harness/index.js';
import { ApiProxy } from './api-proxy.js';

const channels = { namespaces: [{ name: 'chat', history_size: 100, history_ttl: '300s' }] };

/** The error a promise rejects with; fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<PublisherError> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof PublisherError, String(error));
  return error;
}

describe('publisher: timeouts and retries on a lost or refused answer', () => {
  let node: TestNode;
  let proxy: ApiProxy;
  const clients = new Clients(() => node);

  before(async () => {
    node = await startTestNode({ channel: channels });
    proxy = await ApiProxy.start(node.baseUrl);
  });
  afterEach(() => {
    clients.closeAll();
    proxy.faults.length = 0;
  });
  after(async () => {
    await proxy.stop();
    await node.stop();
  });

  /** Waits for the first delivery, then a while longer, and returns what arrived. */
  async function settled(got: PublicationContext[]): Promise<unknown[]> {
    await waitFor(() => got.length > 0, 'a publication');
    await sleep(300);
    return got.map((p) => p.data);
  }

  it('times out an attempt whose answer does not come; without retries the error is thrown', async () => {
    const got = await clients.subscribed('reader', 'chat:t1');
    const publisher = new Publisher({ url: proxy.url, apiKey: TEST_API_KEY, timeoutMs: 1500, retries: 0 });
    proxy.faults.push('hold');
    const error = await rejection(publisher.publish({ channel: 'chat:t1', data: 'late' }));
    assert.equal(error.kind, 'timeout');
    assert.equal(error.temporary, true);
    assert.equal(error.status, 0);
    assert.equal(error.attempts, 1);
    assert.equal(proxy.count('publish'), 1);
    // The node did take it: only the answer was lost.
    assert.deepEqual(await settled(got), ['late']);
  });

  it('a publish whose answer was lost (timeout) is retried with the same key and delivered once', async () => {
    const got = await clients.subscribed('reader', 'chat:t2');
    const publisher = new Publisher({
      url: proxy.url,
      apiKey: TEST_API_KEY,
      timeoutMs: 1500,
      backoff: { initialMs: 20 },
    });
    const before = proxy.requests.length;
    proxy.faults.push('hold');
    const result = await publisher.publish({ channel: 'chat:t2', data: 'once' });
    const sent = proxy.requests.slice(before);
    assert.equal(sent.length, 2, 'one retry');
    assert.equal(sent[0]!.body['idempotency_key'], sent[1]!.body['idempotency_key']);
    assert.equal(result.offset, 1, 'the retry returns the first attempt’s result');
    assert.deepEqual(await settled(got), ['once']);
    const history = await node.api('history', { channel: 'chat:t2', limit: -1 });
    assert.equal((history.body['result'] as { publications: unknown[] }).publications.length, 1);
  });

  it('a publish whose connection closed before the answer is retried and delivered once', async () => {
    const got = await clients.subscribed('reader', 'chat:t3');
    const publisher = new Publisher({ url: proxy.url, apiKey: TEST_API_KEY, backoff: { initialMs: 20 } });
    proxy.faults.push('close', 'close');
    const result = await publisher.publish({ channel: 'chat:t3', data: 'once' });
    assert.equal(result.offset, 1);
    assert.equal(proxy.count('publish') >= 3, true);
    assert.deepEqual(await settled(got), ['once']);
  });

  it('retries HTTP 503 from a proxy, and gives up after `retries` with the last error', async () => {
    const publisher = new Publisher({
      url: proxy.url,
      apiKey: TEST_API_KEY,
      retries: 2,
      backoff: { initialMs: 10 },
    });
    const before = proxy.count('info');
    proxy.faults.push('503', '503');
    const info = await publisher.info();
    assert.equal(info.nodes.length, 1);
    assert.equal(proxy.count('info'), before + 3);

    proxy.faults.push('503', '503', '503', '503');
    const error = await rejection(publisher.info());
    assert.equal(error.kind, 'http');
    assert.equal(error.status, 503);
    assert.equal(error.temporary, true);
    assert.equal(error.attempts, 3);
    assert.equal(proxy.count('info'), before + 6);
  });

  it('retries while the node is down and succeeds once it is back on the same port', async () => {
    const port = node.port;
    const publisher = new Publisher({
      url: node.baseUrl,
      apiKey: TEST_API_KEY,
      retries: 30,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    await node.stop();
    const pending = publisher.publish({ channel: 'chat:down', data: 'after restart' });
    let settledEarly = false;
    void pending.then(
      () => {
        settledEarly = true;
      },
      () => {
        settledEarly = true;
      },
    );
    await sleep(500);
    assert.equal(settledEarly, false, 'still retrying while the node is down');
    node = await startTestNode({ channel: channels, http_server: { port } });
    const result = await pending;
    assert.equal(result.offset, 1);
    const history = await node.api('history', { channel: 'chat:down', limit: -1 });
    assert.deepEqual(
      (history.body['result'] as { publications: { data: unknown }[] }).publications.map((p) => p.data),
      ['after restart'],
    );
    // Network failures out of retries: kind network, temporary, no status.
    const nowhere = new Publisher({ url: 'http://127.0.0.1:1', apiKey: TEST_API_KEY, retries: 1 });
    const error = await rejection(nowhere.info());
    assert.equal(error.kind, 'network');
    assert.equal(error.status, 0);
    assert.equal(error.attempts, 2);
  });
});
