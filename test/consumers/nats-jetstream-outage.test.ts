/**
 * The nats_jetstream consumer through outages, with a real nats-server and two node processes on
 * one Redis (append-only, so its data survives): Redis down for 10 s while messages keep arriving
 * in the stream (the consumer holds its message, takes nothing new, loses nothing; `/ready` is
 * 503 meanwhile), and nats-server unreachable (`/ready` 503 naming the consumer, 200 once back,
 * consuming again).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { clientOn } from '../cluster/helpers.js';
import {
  collect,
  type NodeProcess,
  type RedisServer,
  sleep,
  startNodeProcess,
  startRedis,
  waitFor,
} from '../harness/index.js';
import {
  consumerCount,
  consumerLag,
  consumerState,
  createStream,
  type JetStreamHandle,
  jetStreamClient,
  type NatsServer,
  natsNodeConfig,
  publishCommand,
  publishStored,
  startNats,
  TEST_DURABLE,
  TEST_STREAM,
} from '../harness/nats.js';

const numbers = (got: PublicationContext[]): number[] => got.map((p) => (p.data as { n: number }).n);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

async function ready(node: NodeProcess): Promise<{ status: number; reason?: string }> {
  const res = await fetch(`${node.baseUrl}/ready`);
  const body = (await res.json()) as { reason?: string };
  return { status: res.status, ...(body.reason === undefined ? {} : { reason: body.reason }) };
}

describe('nats_jetstream consumer through outages', () => {
  let redis: RedisServer;
  let nats: NatsServer;
  let client: JetStreamHandle;
  const nodes: NodeProcess[] = [];
  const clients: Centrifuge[] = [];
  const got: PublicationContext[][] = [];

  before(async () => {
    redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    nats = await startNats();
    client = await jetStreamClient(nats.url);
    await createStream(client.jsm, TEST_STREAM, ['events.>']);
    const config = natsNodeConfig(redis.url, nats.url);
    nodes.push(...(await Promise.all([startNodeProcess('n1', config), startNodeProcess('n2', config)])));
    const urls = nodes.map((n) => n.wsUrl);
    for (let i = 0; i < 4; i++) {
      const c = await clientOn(urls, `u${i}`, i);
      clients.push(c);
      const sub = c.newSubscription('room:outage');
      got.push(collect(sub));
      sub.subscribe();
      c.connect();
    }
    await Promise.all(clients.map((c) => c.ready(10_000)));
    await waitFor(
      async () => (await Promise.all(nodes.map(ready))).every((r) => r.status === 200),
      'ready',
      20_000,
    );
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
    await client?.close().catch(() => {});
    await nats?.stop();
    await redis?.stop();
  });

  const publish = async (from: number, to: number): Promise<void> => {
    for (let n = from; n < to; n++)
      await publishStored(client.js, 'events.o', publishCommand('room:outage', { n }));
  };

  it('holds its message while Redis is down for 10 s, takes nothing new, and loses nothing', async () => {
    await publish(0, 50);
    await waitFor(() => got.every((g) => g.length >= 50), 'the first 50 everywhere', 30_000);

    await redis.kill();
    const downAt = Date.now();
    const during = publish(50, 150);
    await waitFor(
      async () => (await ready(nodes[0]!)).status === 503,
      'node 1 not ready without Redis',
      10_000,
    );
    await during;
    // Messages keep arriving; the one in flight is kept alive (+WPI) past the 3 s ack wait, and
    // no second one is handed out: JetStream has at most max_ack_pending (1) out.
    await sleep(Math.max(0, 10_000 - (Date.now() - downAt) - 2_000));
    const held = await consumerState(client.jsm, TEST_STREAM, TEST_DURABLE);
    assert.ok(held.ackPending <= 1, `at most one message out, got ${held.ackPending}`);
    assert.ok(held.pending >= 99, `the rest wait in the stream, got ${held.pending}`);
    // The lag metric (the consumer's num_pending) shows the messages waiting.
    const lags = await Promise.all(nodes.map((n) => consumerLag(n.baseUrl)));
    assert.ok(
      lags.some((l) => l !== undefined && l >= 99),
      `lag metric: ${lags.join(', ')}`,
    );
    const retried = await Promise.all(nodes.map((n) => consumerCount(n.baseUrl, 'retried')));
    assert.ok(retried[0]! + retried[1]! > 0, 'the message was retried meanwhile');
    await sleep(Math.max(0, 10_000 - (Date.now() - downAt)));

    await redis.restartKeepingData();
    await waitFor(() => got.every((g) => g.length >= 150), 'all 150 everywhere after Redis is back', 60_000);
    await sleep(300);
    for (const [i, g] of got.entries()) assert.deepEqual(numbers(g), range(0, 150), `client ${i}`);
    const s = await consumerState(client.jsm, TEST_STREAM, TEST_DURABLE);
    assert.equal(s.redelivered, 0, 'nothing was redelivered: the held message never timed out');
  });

  it('is not ready while nats-server is unreachable, naming the consumer, and consumes again once it is back', async () => {
    await waitFor(
      async () => (await Promise.all(nodes.map(ready))).every((r) => r.status === 200),
      'ready',
      20_000,
    );
    await nats.kill();
    for (const node of nodes) {
      const r = await waitFor(async () => {
        const x = await ready(node);
        return x.status === 503 ? x : undefined;
      }, `${node.name} not ready without NATS`);
      assert.match(r.reason ?? '', /consumer nats: .*NATS/);
    }
    await nats.restart();
    for (const node of nodes) {
      await waitFor(async () => (await ready(node)).status === 200, `${node.name} ready again`, 20_000);
    }
    await publish(150, 170);
    await waitFor(() => got.every((g) => g.length >= 170), 'the next 20 everywhere', 30_000);
    for (const [i, g] of got.entries()) assert.deepEqual(numbers(g), range(0, 170), `client ${i}`);
  });
});
