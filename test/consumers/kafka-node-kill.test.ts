/**
 * A node SIGKILLed while it consumes a burst: the group gives its partitions to the other node once
 * its session times out, which takes them from the last committed offset; the messages the dead node
 * had applied but not committed come again and are recognised by their idempotency key. Every client
 * (and the channel's history) has every message exactly once, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, type RedisServer, setup, sleep, waitFor } from '../harness/index.js';
import { type KafkaBroker, startKafka } from '../harness/kafka.js';
import { allReceived, burst, nodeConfig, range, subscriber } from './kafka-scenario.js';

const TOPIC = 'kill-commands';

describe('kafka consumer: a node killed mid-stream', { timeout: 115_000 }, () => {
  const scope = setup();
  let kafka: KafkaBroker;
  let redis: RedisServer;
  let nodes: NodeProcess[];

  before(async () => {
    [kafka, redis] = await Promise.all([scope.defer(await startKafka(), (k) => k.stop()), scope.redis()]);
    await kafka.createTopic(TOPIC, 3);
    const config = nodeConfig(redis.url, kafka, TOPIC, 'kill');
    nodes = await Promise.all([scope.nodeProcess('victim', config), scope.nodeProcess('survivor', config)]);
    await waitFor(
      async () => (await Promise.all(nodes.map((n) => fetch(`${n.baseUrl}/ready`)))).every((r) => r.ok),
      { timeoutMs: 40_000, intervalMs: 200, message: 'both nodes ready' },
    );
  });
  after(() => scope.cleanup());

  it('loses and duplicates nothing', async () => {
    const [victim, survivor] = nodes as [NodeProcess, NodeProcess];
    const channels = ['feed:k0', 'feed:k1', 'feed:k2', 'feed:k3', 'feed:k4', 'feed:k5'];
    const subs = await Promise.all([
      subscriber(scope, survivor, 'u1', channels),
      subscriber(scope, survivor, 'u2', channels),
    ]);
    const rounds = 40;
    const perRound = 5;
    let killedAt = -1;
    for (let round = 0; round < rounds; round++) {
      await kafka.produce(TOPIC, burst(channels, round * perRound, perRound));
      if (round === 10) {
        // The victim is consuming: it has applied some of what it owns.
        await waitFor(async () => (await applied(victim)) > 0, {
          message: 'victim applied some',
          timeoutMs: 20_000,
        });
        await victim.kill();
        killedAt = round;
      }
      await sleep(50);
    }
    assert.equal(killedAt, 10);
    const total = rounds * perRound;
    await allReceived(subs, total, 60_000);
    await sleep(500);
    for (const s of subs) for (const c of channels) assert.deepEqual(s.got.get(c), range(total), c);
    for (const c of channels) {
      const res = await survivor.api('history', { channel: c, limit: -1 });
      const pubs = (res.body['result'] as { publications: { data: { n: number } }[] }).publications;
      assert.deepEqual(
        pubs.map((p) => p.data.n),
        range(total),
        `history of ${c} holds each message once`,
      );
    }
  });
});

async function applied(node: NodeProcess): Promise<number> {
  const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.includes('consumer_messages_total{') && l.includes('result="applied"'));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}
