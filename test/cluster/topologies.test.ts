import { after, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import {
  collect,
  type NodeProcess,
  sleep,
  startNodeProcess,
  startRedisCluster,
  startRedisSentinel,
  waitFor,
} from '../harness/index.js';
import { assertExactlyOnce, clientOn, clusterChannels, stopAll } from './helpers.js';

/** Two nodes on the given engine config, six clients across them on one channel with recovery. */
async function twoNodes(engine: Record<string, unknown>, clients: Centrifuge[], channel: string) {
  const nodes = await Promise.all(
    ['a', 'b'].map((name) =>
      startNodeProcess(`${name}-node`, { engine: { redis: engine }, channel: clusterChannels }),
    ),
  );
  const urls = nodes.map((n) => n.wsUrl);
  const got: PublicationContext[][] = [];
  for (let i = 0; i < 6; i++) {
    const client = await clientOn(urls, `topo-${i}`, i);
    clients.push(client);
    const sub = client.newSubscription(channel);
    got.push(collect(sub));
    sub.subscribe();
    client.connect();
    await sub.ready(5000);
  }
  return { nodes, got };
}

/** Publishes `from..to-1` through alternating nodes, retrying temporary failures with the same key. */
async function publishRange(nodes: NodeProcess[], channel: string, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await nodes[n % nodes.length]!.api('publish', {
        channel,
        data: { n },
        idempotency_key: `${channel}-${n}`,
      });
      if (res.body['result'] !== undefined) break;
      if (Date.now() > deadline)
        throw new Error(`publication ${n} kept failing: ${JSON.stringify(res.body)}`);
      await sleep(50);
    }
  }
}

describe('cluster on other Redis topologies', () => {
  const clients: Centrifuge[] = [];
  const cleanup: { stop(): Promise<void> }[] = [];
  after(async () => {
    for (const c of clients) c.disconnect();
    await stopAll(cleanup.reverse());
  });

  it('runs on Redis Cluster with sharded pub/sub, across nodes, exactly once', async () => {
    const redis = await startRedisCluster(3);
    cleanup.push(redis);
    const { nodes, got } = await twoNodes({ cluster_address: redis.addresses }, clients, 'room:sharded');
    cleanup.push(...nodes);
    await publishRange(nodes, 'room:sharded', 0, 100);
    await waitFor(() => got.every((g) => g.length >= 100), 'every publication on every client', 10_000);
    for (const [i, g] of got.entries()) assertExactlyOnce(g, 100, `client ${i}`);
  });

  it('follows a Sentinel failover: publishing resumes and clients miss nothing', async () => {
    const redis = await startRedisSentinel();
    cleanup.push(redis);
    const { nodes, got } = await twoNodes(
      { sentinel_address: redis.sentinelAddresses, sentinel_master_name: redis.masterName },
      clients,
      'room:failover',
    );
    cleanup.push(...nodes);
    await publishRange(nodes, 'room:failover', 0, 20);
    await redis.failover();
    await publishRange(nodes, 'room:failover', 20, 40);
    await waitFor(() => got.every((g) => g.length >= 40), 'every publication on every client', 20_000);
    await sleep(300);
    for (const [i, g] of got.entries()) assertExactlyOnce(g, 40, `client ${i}`);
  });
});
