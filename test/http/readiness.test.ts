import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RedisServer, startRedis, startTestNode, type TestNode, waitFor } from '../harness/index.js';

async function ready(node: TestNode): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${node.baseUrl}/ready`);
  return { status: res.status, body: await res.json() };
}

async function waitReady(node: TestNode, status: number, what: string): Promise<void> {
  await waitFor(async () => (await ready(node)).status === status, what, 20_000);
}

describe('readiness on a real Redis', () => {
  let redis: RedisServer;
  let node: TestNode;
  before(async () => {
    redis = await startRedis();
    node = await startTestNode({ engine: { redis: { address: redis.url, command_timeout: '500ms' } } });
  });
  after(async () => {
    await node?.stop();
    await redis?.stop();
  });

  it('is ready while Redis answers', async () => {
    assert.deepEqual(await ready(node), { status: 200, body: { status: 'ready' } });
  });

  it('goes not ready while Redis is down and ready again when it is back; /health stays 200', async () => {
    await redis.kill();
    await waitReady(node, 503, '/ready 503 with Redis down');
    assert.deepEqual((await ready(node)).body, { status: 'not ready', reason: 'engine unreachable' });
    assert.equal((await fetch(`${node.baseUrl}/health`)).status, 200);
    await redis.restart();
    await waitReady(node, 200, '/ready 200 with Redis back');
  });

  it('goes not ready while Redis is paused (connected but silent) and ready after it resumes', async () => {
    redis.pause();
    try {
      await waitReady(node, 503, '/ready 503 with Redis paused');
      assert.equal((await fetch(`${node.baseUrl}/health`)).status, 200);
    } finally {
      redis.resume();
    }
    await waitReady(node, 200, '/ready 200 with Redis resumed');
  });
});
