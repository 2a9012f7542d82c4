import assert from 'node:assert/strict';
import { once } from 'node:events';
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

const CLIENTS = 200;
const CHANNEL = 'room:drain';
/** Drain settings of every node: five waves 600 ms apart. */
const DRAIN_MS = 3000;
const WAVES = 5;

interface Watched {
  client: Centrifuge;
  got: PublicationContext[];
  /** When the client was told to reconnect with 3001 (ms after SIGTERM). */
  shutdownAt?: number;
  /** Whether it subscribed again with recovery after that, and got what it missed. */
  recovered?: boolean;
}

describe('draining a node behind the shipped nginx config', () => {
  let redis: RedisServer;
  let nodes: NodeProcess[];
  let nginx: Nginx;
  const watched: Watched[] = [];

  before(async () => {
    redis = await startRedis();
    nodes = await startCluster(redis.url, 3, {
      shutdown: { drain_duration: `${DRAIN_MS}ms`, drain_waves: WAVES, timeout: '20s' },
    });
    nginx = await startNginx(nodes.map((n) => n.port));
  });
  after(async () => {
    for (const w of watched) w.client.disconnect();
    await nginx?.stop();
    await stopAll(nodes);
    await redis?.stop();
  });

  /** Publishes `n` through nginx; retries with the same idempotency key when a node cannot answer. */
  async function publish(n: number): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        const res = await fetch(`${nginx.baseUrl}/api/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
          body: JSON.stringify({ channel: CHANNEL, data: { n }, idempotency_key: `drain-${n}` }),
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

  async function clientsPerNode(): Promise<Map<string, number>> {
    const info = await nodes[1]!.api('info');
    const list = (info.body['result'] as { nodes: { name: string; num_clients: number }[] }).nodes;
    return new Map(list.map((n) => [n.name, n.num_clients]));
  }

  it('SIGTERM: not ready at once, clients leave in waves, reconnect elsewhere and recover every publication once', async () => {
    let sigtermAt = 0;
    for (let i = 0; i < CLIENTS; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, k) => {
          const client = newClient(nginx.wsUrl, { token: await token(`drain-${i + k}`) });
          const sub = client.newSubscription(CHANNEL);
          const w: Watched = { client, got: collect(sub) };
          watched.push(w);
          client.on('connecting', (ctx) => {
            if (ctx.code === 3001 && sigtermAt > 0) w.shutdownAt = performance.now() - sigtermAt;
          });
          sub.on('subscribed', (ctx) => {
            if (w.shutdownAt !== undefined && ctx.wasRecovering) w.recovered = ctx.recovered;
          });
          sub.subscribe();
          client.connect();
          await sub.ready(10_000);
        }),
      );
    }
    const before = await clientsPerNode();
    const onDrained = before.get('node-1') ?? 0;
    assert.ok(onDrained > 0, `node-1 serves clients: ${[...before.values()].join(', ')}`);

    let published = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        await publish(++published);
        await sleep(20);
      }
    })();
    await waitFor(() => published >= 30, 'publications before the drain', 30_000);

    const drained = nodes[0]!;
    const exited = once(drained.child, 'exit') as Promise<[number | null, string | null]>;
    sigtermAt = performance.now();
    drained.child.kill('SIGTERM');
    // The signal reaches the node's event loop asynchronously: a request racing it may still see 200.
    let ready = await fetch(`${drained.baseUrl}/ready`);
    for (let i = 0; ready.status === 200 && i < 50; i++) {
      await sleep(20);
      ready = await fetch(`${drained.baseUrl}/ready`);
    }
    assert.equal(ready.status, 503, 'the draining node reports not ready within a second');
    assert.deepEqual(await ready.json(), { status: 'not ready', reason: 'draining' });
    const health = await fetch(`${drained.baseUrl}/health`);
    assert.equal(health.status, 200, '/health stays alive while draining');

    const [exitCode, signal] = await exited;
    const drainedInMs = performance.now() - sigtermAt;
    assert.equal(signal, null);
    assert.equal(exitCode, 0, 'the drained node exits 0');

    await sleep(500);
    publishing = false;
    await publisher;
    const total = published;
    await waitFor(
      () => watched.every((w) => w.got.length >= total),
      'every client has every publication',
      60_000,
    );
    await sleep(300);
    for (const [i, w] of watched.entries()) assertExactlyOnce(w.got, total, `client ${i}`);

    const moved = watched.filter((w) => w.shutdownAt !== undefined);
    assert.equal(moved.length, onDrained, 'every client of the drained node was told to reconnect (3001)');
    assert.ok(
      moved.every((w) => w.recovered === true),
      'every moved client resubscribed with recovery and recovered',
    );
    await waitFor(
      () => watched.every((w) => w.client.state === 'connected'),
      'every client connected',
      30_000,
    );
    const afterDrain = await clientsPerNode();
    assert.equal(afterDrain.has('node-1'), false, 'the drained node left the cluster');
    assert.equal(
      [...afterDrain.values()].reduce((a, b) => a + b, 0),
      CLIENTS,
      `every client is on another node: ${[...afterDrain].join(' ')}`,
    );

    // Waves at 0, 600, 1200, 1800 and 2400 ms: the disconnects are spread, not all at once.
    const times = moved.map((w) => w.shutdownAt!).sort((a, b) => a - b);
    const spread = times.at(-1)! - times[0]!;
    const firstWave = times.filter((t) => t - times[0]! < 300).length;
    assert.ok(spread >= DRAIN_MS / 2, `disconnects spread over ${Math.round(spread)} ms`);
    assert.ok(firstWave <= onDrained / 2, `${firstWave} of ${onDrained} left in the first 300 ms`);
    // One window of 600 ms around each wave, counted from the first disconnect.
    const step = DRAIN_MS / WAVES;
    const buckets = Array.from(
      { length: WAVES },
      (_, i) =>
        times.filter((t) => t - times[0]! >= i * step - step / 2 && t - times[0]! < i * step + step / 2)
          .length,
    );
    assert.ok(
      buckets.filter((b) => b > 0).length >= 3,
      `clients leave in waves: ${buckets.join('/')} per ${step} ms`,
    );
    console.log(
      `# ${onDrained} clients drained from node-1 in waves of ${buckets.join('/')} over ${Math.round(spread)} ms; node exited 0 after ${Math.round(drainedInMs)} ms; ${total} publications, all ${CLIENTS} clients got each once in order`,
    );
  });
});
