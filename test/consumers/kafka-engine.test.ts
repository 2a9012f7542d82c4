/**
 * The engine (Redis) down for 10 s while messages keep arriving in Kafka: the consumers retry the
 * message at hand, take nothing new and keep their partitions (heartbeats go on); `/ready` says the
 * engine is unreachable meanwhile. Once Redis is back (with its data) every client has every message
 * exactly once and in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, type RedisServer, setup, sleep, waitFor } from '../harness/index.js';
import { type KafkaBroker, startKafka } from '../harness/kafka.js';
import { allReceived, burst, metric, nodeConfig, range, subscriber } from './kafka-scenario.js';

const TOPIC = 'engine-commands';

describe('kafka consumer: the engine away for 10 s', { timeout: 115_000 }, () => {
  const scope = setup();
  let kafka: KafkaBroker;
  let redis: RedisServer;
  let nodes: NodeProcess[];

  before(async () => {
    [kafka, redis] = await Promise.all([
      scope.defer(await startKafka(), (k) => k.stop()),
      scope.redis(['--appendonly', 'yes', '--appendfsync', 'always']),
    ]);
    await kafka.createTopic(TOPIC, 2);
    const config = nodeConfig(redis.url, kafka, TOPIC, 'engine');
    nodes = await Promise.all([scope.nodeProcess('e1', config), scope.nodeProcess('e2', config)]);
    await waitFor(
      async () => (await Promise.all(nodes.map((n) => fetch(`${n.baseUrl}/ready`)))).every((r) => r.ok),
      { timeoutMs: 40_000, intervalMs: 200, message: 'both nodes ready' },
    );
  });
  after(() => scope.cleanup());

  it('loses nothing and keeps the order', async () => {
    const channels = ['feed:e0', 'feed:e1', 'feed:e2', 'feed:e3'];
    const subs = await Promise.all(nodes.map((n, i) => subscriber(scope, n, `u${i}`, channels)));
    await kafka.produce(TOPIC, burst(channels, 0, 20));
    await allReceived(subs, 20, 30_000);

    await redis.kill();
    const downSince = Date.now();
    const reasons = new Set<string>();
    let produced = 20;
    while (Date.now() - downSince < 10_000) {
      await kafka.produce(TOPIC, burst(channels, produced, 10));
      produced += 10;
      const res = await fetch(`${nodes[0]!.baseUrl}/ready`);
      if (res.status === 503) reasons.add(((await res.json()) as { reason: string }).reason);
      await sleep(500);
    }
    assert.ok(reasons.has('engine unreachable'), `/ready said ${[...reasons].join(', ')}`);
    // Nothing got through while the engine was away, and the consumers were retrying.
    for (const s of subs) for (const list of s.got.values()) assert.equal(list.length, 20);
    const retried = await Promise.all(nodes.map((n) => metric(n, 'retried')));
    assert.ok(
      retried.some((r) => r > 0),
      `retried: ${retried}`,
    );
    await redis.restartKeepingData();

    await allReceived(subs, produced, 60_000);
    await sleep(500);
    for (const s of subs) for (const c of channels) assert.deepEqual(s.got.get(c), range(produced), c);
  });
});
