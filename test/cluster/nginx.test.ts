import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import {
  collect,
  type Nginx,
  type NodeProcess,
  newClient,
  type RedisServer,
  sleep,
  startNginx,
  startRedis,
  TEST_API_KEY,
  token,
  waitFor,
} from '../harness/index.js';
import { assertExactlyOnce, startCluster, stopAll } from './helpers.js';

const CLIENTS = 300;
const TOTAL = 200;

describe('three nodes behind the shipped nginx config', () => {
  let redis: RedisServer;
  let nodes: NodeProcess[];
  let nginx: Nginx;
  const clients: Centrifuge[] = [];

  before(async () => {
    redis = await startRedis();
    nodes = await startCluster(redis.url, 3);
    nginx = await startNginx(nodes.map((n) => n.port));
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await nginx?.stop();
    await stopAll(nodes);
    await redis?.stop();
  });

  async function publish(n: number): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        const res = await fetch(`${nginx.baseUrl}/api/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
          body: JSON.stringify({ channel: 'room:lb', data: { n }, idempotency_key: `lb-${n}` }),
        });
        const body = (await res.json()) as { result?: unknown };
        if (res.status === 200 && body.result !== undefined) return;
      } catch {
        // the proxy could not reach a node this time
      }
      await sleep(20);
    }
    throw new Error(`publication ${n} failed`);
  }

  it('connects 300 clients through nginx, survives a node kill, delivers every message exactly once', async () => {
    const got: PublicationContext[][] = [];
    const resubscribedAt: number[] = [];
    let killedAt = 0;
    for (let i = 0; i < CLIENTS; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, k) => {
          const client = newClient(nginx.wsUrl, { token: await token(`lb-${i + k}`) });
          clients.push(client);
          const sub = client.newSubscription('room:lb');
          got.push(collect(sub));
          sub.on('subscribed', (ctx) => {
            if (killedAt > 0 && ctx.wasRecovering) resubscribedAt.push(performance.now() - killedAt);
          });
          sub.subscribe();
          client.connect();
          await sub.ready(10_000);
        }),
      );
    }
    const stats = await nodes[1]!.api('presence_stats', { channel: 'room:lb' });
    assert.equal((stats.body['result'] as { num_clients: number }).num_clients, CLIENTS);
    const perNode = await nodes[1]!.api('info');
    const counts = (perNode.body['result'] as { nodes: { num_clients: number }[] }).nodes.map(
      (n) => n.num_clients,
    );
    assert.equal(counts.length, 3);
    assert.ok(
      counts.every((c) => c > 0),
      `every node serves clients: ${counts.join(', ')}`,
    );

    for (let n = 0; n < TOTAL; n++) {
      if (n === 50) {
        await nodes[0]!.kill();
        killedAt = performance.now();
      }
      await publish(n);
    }
    await waitFor(() => got.every((g) => g.length >= TOTAL), 'every client has every message', 60_000);
    const recovery = performance.now() - killedAt;
    await sleep(300);
    for (const [i, g] of got.entries()) assertExactlyOnce(g, TOTAL, `client ${i}`);
    assert.equal(resubscribedAt.length, counts[0], 'every client of the killed node came back with recovery');
    console.log(
      `# ${resubscribedAt.length} clients of the killed node back through nginx and recovered within ${Math.round(Math.max(...resubscribedAt))} ms; all ${CLIENTS} clients had all ${TOTAL} messages ${Math.round(recovery)} ms after the kill`,
    );
  });
});
