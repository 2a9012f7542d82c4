import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { collect, type NodeProcess, type RedisServer, sleep, startRedis, waitFor } from '../harness/index.js';
import { assertExactlyOnce, clientOn, startCluster, stopAll } from './helpers.js';

describe('Redis restarted under a running cluster', () => {
  let redis: RedisServer;
  let nodes: NodeProcess[];
  const clients: Centrifuge[] = [];

  before(async () => {
    // Data survives the restart (append-only file, fsync on every write), as in production.
    redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    nodes = await startCluster(redis.url, 2, {
      engine: { redis: { address: redis.url, command_timeout: '1s' } },
    });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await stopAll(nodes);
    await redis?.stop();
  });

  it('fails API calls fast while Redis is down, then recovers every publication on live connections', async () => {
    const urls = nodes.map((n) => n.wsUrl);
    const got: PublicationContext[][] = [];
    for (let i = 0; i < 6; i++) {
      const client = await clientOn(urls, `rf-${i}`, i);
      clients.push(client);
      const sub = client.newSubscription('room:rf');
      got.push(collect(sub));
      sub.subscribe();
      client.connect();
      await sub.ready(5000);
    }
    for (let n = 0; n < 10; n++) await nodes[n % 2]!.api('publish', { channel: 'room:rf', data: { n } });
    await waitFor(() => got.every((g) => g.length === 10), 'first ten');

    await redis.kill();
    const t0 = performance.now();
    const down = await nodes[0]!.api('publish', { channel: 'room:rf', data: { n: -1 } });
    const took = performance.now() - t0;
    const error = down.body['error'] as { code: number; temporary?: boolean } | undefined;
    assert.equal(error?.code, 100);
    assert.equal(error?.temporary, true);
    assert.ok(took < 2500, `API failed in ${Math.round(took)} ms, expected fast failure`);

    await redis.restartKeepingData();
    // Publish as soon as one node's engine answers again; the other may not have resubscribed yet.
    let n = 10;
    const deadline = Date.now() + 15_000;
    while (n < 30 && Date.now() < deadline) {
      const res = await nodes[n % 2]!.api('publish', { channel: 'room:rf', data: { n } });
      if (res.body['result'] !== undefined) n++;
      else await sleep(20);
    }
    assert.equal(n, 30, 'publishing resumed after the restart');
    await waitFor(() => got.every((g) => g.length >= 30), 'all thirty everywhere', 20_000);
    await sleep(300);
    for (const [i, g] of got.entries()) assertExactlyOnce(g, 30, `client ${i}`);
  });
});
