/**
 * The nats_jetstream consumer through crashes, with a real nats-server and two node processes on
 * one Redis: a node SIGKILLed while it consumes a burst (its unacknowledged message comes back to
 * the other node after the ack wait), then nats-server SIGKILLed and restarted on the same store
 * while messages flow (the nodes reconnect by themselves). Every client ends with every message
 * exactly once and in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { clientOn } from '../cluster/helpers.js';
import {
  collect,
  type NodeProcess,
  type RedisServer,
  startNodeProcess,
  startRedis,
  waitFor,
} from '../harness/index.js';
import {
  consumerCount,
  createStream,
  type JetStreamHandle,
  jetStreamClient,
  type NatsServer,
  natsNodeConfig,
  publishCommand,
  publishStored,
  startNats,
  TEST_STREAM,
} from '../harness/nats.js';

const numbers = (got: PublicationContext[]): number[] => got.map((p) => (p.data as { n: number }).n);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('nats_jetstream consumer through crashes', () => {
  let redis: RedisServer;
  let nats: NatsServer;
  let client: JetStreamHandle;
  const nodes: NodeProcess[] = [];
  const clients: Centrifuge[] = [];
  const got: PublicationContext[][] = [];

  before(async () => {
    redis = await startRedis();
    nats = await startNats();
    client = await jetStreamClient(nats.url);
    await createStream(client.jsm, TEST_STREAM, ['events.>']);
    const config = natsNodeConfig(redis.url, nats.url);
    nodes.push(...(await Promise.all([startNodeProcess('n1', config), startNodeProcess('n2', config)])));
    const urls = nodes.map((n) => n.wsUrl);
    for (let i = 0; i < 4; i++) {
      const c = await clientOn(urls, `u${i}`, i);
      clients.push(c);
      const sub = c.newSubscription('room:crash');
      got.push(collect(sub));
      sub.subscribe();
      c.connect();
    }
    await Promise.all(clients.map((c) => c.ready(10_000)));
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
    await client?.close().catch(() => {});
    await nats?.stop();
    await redis?.stop();
  });

  /** Publishes `from..to-1` one after the other (each stored once, retried through a broker restart). */
  async function burst(from: number, to: number): Promise<void> {
    for (let n = from; n < to; n++) {
      await publishStored(client.js, 'events.crash', publishCommand('room:crash', { n }), {
        msgID: `m-${n}`,
      });
    }
  }

  it('loses nothing and duplicates nothing when a consuming node is SIGKILLed mid-burst', async () => {
    const sending = burst(0, 400);
    await waitFor(() => got.every((g) => g.length >= 100), 'a quarter of the burst everywhere', 30_000);
    const before = await consumerCount(nodes[0]!.baseUrl, 'applied');
    assert.ok(before > 0, 'the node to be killed was consuming');
    await nodes[0]!.kill();
    assert.ok(
      got.some((g) => g.length < 400),
      'killed mid-burst',
    );
    await sending;
    await waitFor(() => got.every((g) => g.length >= 400), 'every client has all 400', 60_000);
    await waitFor(async () => (await consumerCount(nodes[1]!.baseUrl, 'applied')) > 0);
    for (const [i, g] of got.entries()) assert.deepEqual(numbers(g), range(0, 400), `client ${i}`);
    await nodes[0]!.restart();
  });

  it('reconnects by itself and loses nothing when nats-server is killed and restarted while messages flow', async () => {
    await waitFor(
      async () => (await fetch(`${nodes[0]!.baseUrl}/ready`)).ok,
      'the restarted node ready',
      20_000,
    );
    const sending = burst(400, 700);
    await waitFor(() => got.every((g) => g.length >= 480), 'part of the second burst everywhere', 30_000);
    await nats.kill();
    assert.ok(
      got.some((g) => g.length < 700),
      'killed while messages flow',
    );
    await waitFor(async () => (await fetch(`${nodes[1]!.baseUrl}/ready`)).status === 503, 'a node not ready');
    await nats.restart();
    await sending;
    await waitFor(() => got.every((g) => g.length >= 700), 'every client has all 700', 60_000);
    for (const [i, g] of got.entries()) assert.deepEqual(numbers(g), range(0, 700), `client ${i}`);
    // Both consumers are connected again (readiness names a consumer that is not).
    await waitFor(async () =>
      (await Promise.all(nodes.map((n) => fetch(`${n.baseUrl}/ready`)))).every((r) => r.ok),
    );
  });
});
