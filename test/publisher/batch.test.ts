import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { PublicationContext } from 'centrifuge';
import { Publisher, PublisherError, type PublishResult } from '../../packages/publisher/src/index.js';
import { Clients } from '../api/helpers.js';
import { sleep, startTestNode, TEST_API_KEY, type TestNode, waitFor } from '../harness/index.js';
import { ApiProxy } from './api-proxy.js';

describe('publisher: publish calls grouped into batch requests', () => {
  let node: TestNode;
  let proxy: ApiProxy;
  const clients = new Clients(() => node);

  before(async () => {
    node = await startTestNode({
      channel: { namespaces: [{ name: 'chat', history_size: 1000, history_ttl: '300s' }] },
    });
    proxy = await ApiProxy.start(node.baseUrl);
  });
  afterEach(() => clients.closeAll());
  after(async () => {
    await proxy.stop();
    await node.stop();
  });

  it('groups calls made together, resolves each with its own reply, keeps order per channel', async () => {
    const [a, b] = [
      await clients.subscribed('reader', 'chat:ba'),
      await clients.subscribed('reader', 'chat:bb'),
    ];
    const publisher = new Publisher({
      url: proxy.url,
      apiKey: TEST_API_KEY,
      batch: { maxSize: 50, maxDelayMs: 20 },
    });
    const start = proxy.requests.length;
    const calls: Promise<PublishResult>[] = [];
    for (let n = 0; n < 120; n++) {
      calls.push(publisher.publish({ channel: n % 3 === 0 ? 'chat:bb' : 'chat:ba', data: { n } }));
    }
    const results = await Promise.all(calls);
    const sent = proxy.requests.slice(start);
    assert.ok(
      sent.every((r) => r.path === '/api/batch'),
      'only batch requests',
    );
    assert.deepEqual(
      sent.map((r) => (r.body['commands'] as unknown[]).length),
      [50, 50, 20],
    );
    // Each caller got its own publication's position: offsets count up per channel in call order.
    const expected = new Map<string, number>();
    for (const [n, result] of results.entries()) {
      const channel = n % 3 === 0 ? 'chat:bb' : 'chat:ba';
      const offset = (expected.get(channel) ?? 0) + 1;
      expected.set(channel, offset);
      assert.equal(result.offset, offset, `call ${n}`);
    }
    await waitFor(() => a.length === 80 && b.length === 40, 'every publication');
    const order = (got: PublicationContext[]) => got.map((p) => (p.data as { n: number }).n);
    assert.deepEqual(
      order(a),
      [...Array(120).keys()].filter((n) => n % 3 !== 0),
    );
    assert.deepEqual(
      order(b),
      [...Array(120).keys()].filter((n) => n % 3 === 0),
    );
    const keys = sent.flatMap((r) =>
      (r.body['commands'] as { publish: { idempotency_key: string } }[]).map(
        (c) => c.publish.idempotency_key,
      ),
    );
    assert.equal(new Set(keys).size, 120, 'every publish has its own key');
  });

  it('a failing command rejects only its own caller', async () => {
    const publisher = new Publisher({ url: proxy.url, apiKey: TEST_API_KEY, batch: { maxDelayMs: 20 } });
    const start = proxy.requests.length;
    const [ok, bad, ok2] = await Promise.allSettled([
      publisher.publish({ channel: 'chat:bc', data: 1 }),
      publisher.publish({ channel: 'nope:x', data: 2 }),
      publisher.publish({ channel: 'chat:bc', data: 3 }),
    ]);
    assert.equal(proxy.requests.length, start + 1, 'one request, not retried');
    assert.deepEqual(ok.status === 'fulfilled' && ok.value.offset, 1);
    assert.deepEqual(ok2.status === 'fulfilled' && ok2.value.offset, 2);
    assert.equal(bad.status, 'rejected');
    const error = (bad as PromiseRejectedResult).reason as PublisherError;
    assert.ok(error instanceof PublisherError);
    assert.equal(error.code, 102);
    assert.equal(error.temporary, false);
  });

  it('a lost batch answer is retried as a whole with the same keys: every publish delivered once', async () => {
    const got = await clients.subscribed('reader', 'chat:bd');
    const publisher = new Publisher({
      url: proxy.url,
      apiKey: TEST_API_KEY,
      timeoutMs: 1500,
      backoff: { initialMs: 20 },
      batch: { maxDelayMs: 20 },
    });
    const start = proxy.requests.length;
    proxy.faults.push('hold');
    const results = await Promise.all(
      [1, 2, 3].map((n) => publisher.publish({ channel: 'chat:bd', data: n })),
    );
    assert.deepEqual(
      results.map((r) => r.offset),
      [1, 2, 3],
    );
    const sent = proxy.requests.slice(start);
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[0]!.body, sent[1]!.body);
    await waitFor(() => got.length >= 3, 'three publications');
    await sleep(300);
    assert.deepEqual(
      got.map((p) => p.data),
      [1, 2, 3],
    );
  });

  it('flush sends a waiting group at once', async () => {
    const publisher = new Publisher({ url: proxy.url, apiKey: TEST_API_KEY, batch: { maxDelayMs: 60_000 } });
    const pending = publisher.publish({ channel: 'chat:bf', data: 1 });
    await publisher.flush();
    assert.equal((await pending).offset, 1);
  });
});
