import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, type RedisServer, sleep, startRedis } from '../harness/index.js';
import { startCluster, stopAll } from './helpers.js';

describe('a node that stops cleanly (SIGTERM)', () => {
  let redis: RedisServer;
  let nodes: NodeProcess[];
  before(async () => {
    redis = await startRedis();
    nodes = await startCluster(redis.url, 2);
  });
  after(async () => {
    await stopAll(nodes);
    await redis?.stop();
  });

  const names = async (): Promise<string[]> => {
    const res = await nodes[0]!.api('info');
    return (res.body['result'] as { nodes: { name: string }[] }).nodes.map((n) => n.name).sort();
  };

  it('tells the others it leaves before its engine closes', async () => {
    const deadline = Date.now() + 8000;
    while ((await names()).length < 2 && Date.now() < deadline) await sleep(100);
    assert.deepEqual(await names(), ['node-1', 'node-2']);
    await nodes[1]!.stop();
    // Without the goodbye, node-2 stays listed until its announcements expire (6.5 s after the last).
    const stoppedAt = Date.now();
    while ((await names()).length > 1 && Date.now() - stoppedAt < 3000) await sleep(50);
    assert.deepEqual(await names(), ['node-1'], 'node-2 gone from info within 3 s of its exit');
  });
});
