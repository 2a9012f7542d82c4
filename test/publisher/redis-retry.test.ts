import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Publisher } from '../../packages/publisher/src/index.js';
import { Clients } from '../api/helpers.js';
import {
  type RedisServer,
  sleep,
  startRedis,
  startTestNode,
  TEST_API_KEY,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { ApiProxy } from './api-proxy.js';

describe('publisher: retries while Redis cannot answer', () => {
  let redis: RedisServer;
  let node: TestNode;
  let proxy: ApiProxy;
  const clients = new Clients(() => node);

  before(async () => {
    redis = await startRedis();
    node = await startTestNode({
      engine: { type: 'redis', redis: { address: redis.url, command_timeout: '300ms' } },
      // A Redis that stops answering makes the node recycle its pub/sub connection: publications
      // sent meanwhile reach subscribers through recovery, as documented for channels with history.
      channel: {
        namespaces: [{ name: 'chat', history_size: 100, history_ttl: '300s', force_recovery: true }],
      },
    });
    proxy = await ApiProxy.start(node.baseUrl);
  });
  after(async () => {
    clients.closeAll();
    await proxy?.stop();
    await node?.stop();
    await redis?.stop();
  });

  it('error 100 (temporary) is retried; publishes queued in a paused Redis are delivered once each', async () => {
    const got = await clients.subscribed('reader', 'chat:r');

    const publisher = new Publisher({
      url: proxy.url,
      apiKey: TEST_API_KEY,
      timeoutMs: 5_000,
      retries: 50,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    await publisher.publish({ channel: 'chat:r', data: 0 });

    redis.pause();
    const before = proxy.count('publish');
    const pending = [1, 2, 3].map((n) => publisher.publish({ channel: 'chat:r', data: n }));
    // Each of them fails with error 100 at least once while Redis is stopped.
    await waitFor(() => proxy.count('publish') >= before + 6, 'retries during the pause', 10_000);
    redis.resume();
    const results = await Promise.all(pending);

    // Every attempt sent during the pause reached Redis once it resumed; the key kept them to one.
    const offsets = results.map((r) => r.offset).sort();
    assert.deepEqual(offsets, [2, 3, 4]);
    await waitFor(() => got.length >= 4, 'four publications', 10_000);
    await sleep(300);
    assert.deepEqual(got.map((p) => p.data).sort(), [0, 1, 2, 3]);
    const keys = proxy.requests.slice(before).map((r) => r.body['idempotency_key']);
    assert.equal(new Set(keys).size, 3, 'one key per publish, reused by its retries');
  });

  it('batched publishes failing with error 100 each are sent again and delivered once each', async () => {
    const got = await clients.subscribed('reader', 'chat:rb');

    const publisher = new Publisher({
      url: proxy.url,
      apiKey: TEST_API_KEY,
      retries: 50,
      backoff: { initialMs: 50, maxMs: 200 },
      batch: { maxDelayMs: 10 },
    });
    redis.pause();
    const before = proxy.count('batch');
    const pending = Promise.all([1, 2, 3].map((n) => publisher.publish({ channel: 'chat:rb', data: n })));
    await waitFor(() => proxy.count('batch') >= before + 2, 'a batch sent again during the pause', 10_000);
    redis.resume();
    const results = await pending;
    assert.deepEqual(
      results.map((r) => r.offset),
      [1, 2, 3],
    );
    await waitFor(() => got.length >= 3, 'three publications', 10_000);
    await sleep(300);
    assert.deepEqual(
      got.map((p) => p.data),
      [1, 2, 3],
    );
  });
});
