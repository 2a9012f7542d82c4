/**
 * The Kafka consumer against a real Kafka 4 broker (KRaft) and two node processes on one Redis,
 * both in the consumer group: messages produced to a 3-partition topic reach clients on both nodes
 * exactly once and in order per channel (a channel is a message key, so one partition); poison
 * messages end in the dead-letter topic with their reason and do not hold the good ones back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, type RedisServer, setup, sleep, waitFor } from '../harness/index.js';
import { type KafkaBroker, startKafka } from '../harness/kafka.js';
import { allReceived, burst, nodeConfig, publish, range, subscriber } from './kafka-scenario.js';

const TOPIC = 'api-commands';
const SETTLE_MS = 500;

describe('kafka consumer: delivery over two nodes', { timeout: 110_000 }, () => {
  const scope = setup();
  let kafka: KafkaBroker;
  let redis: RedisServer;
  let nodes: NodeProcess[];

  before(async () => {
    [kafka, redis] = await Promise.all([scope.defer(await startKafka(), (k) => k.stop()), scope.redis()]);
    await kafka.createTopic(TOPIC, 3);
    const config = nodeConfig(redis.url, kafka, TOPIC, 'delivery');
    nodes = await Promise.all([scope.nodeProcess('k1', config), scope.nodeProcess('k2', config)]);
    await waitFor(
      async () => (await Promise.all(nodes.map((n) => fetch(`${n.baseUrl}/ready`)))).every((r) => r.ok),
      { timeoutMs: 40_000, intervalMs: 200, message: 'both nodes ready (consumer joined)' },
    );
  });
  after(() => scope.cleanup());

  it('delivers every message to clients on both nodes exactly once, in order per channel', async () => {
    const channels = ['feed:a', 'feed:b', 'feed:c', 'feed:d'];
    const subs = await Promise.all([
      subscriber(scope, nodes[0]!, 'u1', channels),
      subscriber(scope, nodes[1]!, 'u2', channels),
    ]);
    const count = 60;
    await kafka.produce(TOPIC, burst(channels, 0, count / 2));
    await kafka.produce(TOPIC, burst(channels, count / 2, count / 2));
    await allReceived(subs, count, 40_000);
    await sleep(SETTLE_MS);
    for (const s of subs) for (const c of channels) assert.deepEqual(s.got.get(c), range(count), c);
    // Both nodes consumed: the group spread the partitions (metric of applied messages per node).
    const applied = await Promise.all(nodes.map((n) => appliedOn(n)));
    assert.equal(applied.reduce((a, b) => a + b, 0) >= channels.length * count, true, `applied ${applied}`);
    assert.ok(
      applied.every((a) => a > 0),
      `every node applied some messages: ${applied}`,
    );
  });

  it('sends poison messages to the dead-letter topic and keeps the good ones in order', async () => {
    const channel = 'feed:poison';
    const [sub] = await Promise.all([subscriber(scope, nodes[0]!, 'u3', [channel])]);
    const poison = [
      { key: channel, value: '{not json' },
      { key: channel, value: JSON.stringify({ method: 'no_such_method', payload: {} }) },
      {
        key: channel,
        value: JSON.stringify({ method: 'publish', payload: { channel: 'nowhere:x', data: {} } }),
      },
      { key: channel, value: JSON.stringify({ method: 'publish', payload: { data: { n: -1 } } }) },
    ];
    const messages = [];
    for (let n = 0; n < 8; n++) {
      messages.push(publish(channel, n));
      if (n < poison.length) messages.push(poison[n]!);
    }
    await kafka.produce(TOPIC, messages);
    await allReceived([sub!], 8, 30_000);
    const dead = await kafka.readTopic(`${TOPIC}.dlq`, poison.length);
    await sleep(SETTLE_MS);
    assert.deepEqual(sub!.got.get(channel), range(8));
    assert.deepEqual(
      dead.map((m) => m.value?.toString()),
      poison.map((p) => p.value),
      'every poison message, as produced, in order',
    );
    for (const m of dead) {
      assert.ok(String(m.headers?.['centrifugo-dead-letter-reason'] ?? '').length > 0, 'a reason header');
      assert.match(String(m.headers?.['centrifugo-dead-letter-source']), new RegExp(`^${TOPIC}:\\d:\\d+$`));
    }
    const deadCounted = await Promise.all(nodes.map((n) => metric(n, 'dead_lettered')));
    assert.equal(
      deadCounted.reduce((a, b) => a + b, 0),
      poison.length,
    );
  });
});

async function appliedOn(node: NodeProcess): Promise<number> {
  return metric(node, 'applied');
}

/** The node's `consumer_messages_total{result=...}` for the consumer. */
async function metric(node: NodeProcess, result: string): Promise<number> {
  const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.includes('consumer_messages_total{') && l.includes(`result="${result}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}
