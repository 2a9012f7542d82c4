import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { collect, type NodeProcess, type RedisServer, sleep, startRedis, waitFor } from '../harness/index.js';
import { assertExactlyOnce, clientOn, startCluster, stopAll } from './helpers.js';

/** Publishes through whichever node answers, retrying with the same idempotency key. */
async function publishWithRetry(nodes: NodeProcess[], channel: string, n: number): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const node = nodes[(n + attempt) % nodes.length]!;
    try {
      const res = await node.api('publish', { channel, data: { n }, idempotency_key: `${channel}-${n}` });
      if (res.status === 200 && res.body['result'] !== undefined) return;
    } catch {
      // node down: try the next one
    }
    await sleep(20);
  }
  throw new Error(`publication ${n} failed on every node`);
}

describe('a node killed while messages flow', () => {
  let redis: RedisServer;
  let nodes: NodeProcess[];
  const clients: Centrifuge[] = [];

  before(async () => {
    redis = await startRedis();
    // Presence refreshed every second: a dead node's entries expire after three missed refreshes.
    nodes = await startCluster(redis.url, 3, { client: { presence_update_interval: '1s' } });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await stopAll(nodes);
    await redis?.stop();
  });

  it('moves its clients to other nodes, which recover every publication exactly once', async () => {
    const urls = nodes.map((n) => n.wsUrl);
    const got: PublicationContext[][] = [];
    const onVictim: number[] = [];
    const resubscribedAt: number[] = [];
    let killedAt = 0;
    for (let i = 0; i < 30; i++) {
      const client = await clientOn(urls, `flow-${i}`, i);
      clients.push(client);
      if (i % 3 === 0) onVictim.push(i);
      const sub = client.newSubscription('room:flow');
      got.push(collect(sub));
      sub.on('subscribed', (ctx) => {
        if (killedAt > 0 && ctx.wasRecovering) resubscribedAt.push(performance.now() - killedAt);
      });
      sub.subscribe();
      client.connect();
      await sub.ready(5000);
    }
    const total = 300;
    for (let n = 0; n < total; n++) {
      if (n === 100) {
        await nodes[0]!.kill();
        killedAt = performance.now();
      }
      await publishWithRetry(nodes, 'room:flow', n);
      await sleep(3);
    }
    await waitFor(() => got.every((g) => g.length >= total), 'every client has every publication', 30_000);
    const recoveredAfter = performance.now() - killedAt;
    await sleep(300);
    for (const [i, g] of got.entries()) assertExactlyOnce(g, total, `client ${i}`);
    for (const i of onVictim) assert.notEqual(clients[i]!.state, 'disconnected');
    assert.equal(
      resubscribedAt.length,
      onVictim.length,
      'every client of the killed node resubscribed with recovery',
    );
    console.log(
      `# ${onVictim.length} clients of the killed node resubscribed and recovered within ${Math.round(Math.max(...resubscribedAt))} ms of the kill; every client had all ${total} publications ${Math.round(recoveredAfter)} ms after it`,
    );

    // The killed node never removed its presence entries; they expire, leaving one entry per live client.
    const clientsInPresence = async () => {
      const res = await nodes[1]!.api('presence_stats', { channel: 'room:flow' });
      return (res.body['result'] as { num_clients: number }).num_clients;
    };
    const deadline = Date.now() + 6000;
    while ((await clientsInPresence()) !== 30 && Date.now() < deadline) await sleep(100);
    assert.equal(await clientsInPresence(), 30);
    console.log(
      `# stale presence of the killed node gone ${Math.round(performance.now() - killedAt)} ms after the kill`,
    );
  });
});
