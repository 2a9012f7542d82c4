/**
 * The broker itself going away: while it is cut off (SIGSTOP) the node's `/ready` is 503 naming the
 * consumer, and 200 again once it answers again; a broker killed and restarted while a burst is being consumed is
 * rejoined by the consumer on its own, and nothing is lost or delivered twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, type RedisServer, setup, sleep, waitFor } from '../harness/index.js';
import { type KafkaBroker, startKafka } from '../harness/kafka.js';
import { allReceived, burst, CONSUMER, counts, nodeConfig, range, subscriber } from './kafka-scenario.js';

const TOPIC = 'broker-commands';

describe('kafka consumer: the broker away', { timeout: 115_000 }, () => {
  const scope = setup();
  let kafka: KafkaBroker;
  let redis: RedisServer;
  let node: NodeProcess;

  before(async () => {
    [kafka, redis] = await Promise.all([scope.defer(await startKafka(), (k) => k.stop()), scope.redis()]);
    await kafka.createTopic(TOPIC, 2);
    node = await scope.nodeProcess('b1', nodeConfig(redis.url, kafka, TOPIC, 'broker'));
    await waitFor(async () => (await fetch(`${node.baseUrl}/ready`)).ok, {
      timeoutMs: 40_000,
      intervalMs: 200,
      message: 'node ready',
    });
  });
  after(() => scope.cleanup());

  it('is not ready while the broker is unreachable, and ready again once it is back', async () => {
    // Cut off (SIGSTOP): connections hang rather than being refused, the harder case to notice.
    kafka.pause();
    const body = await waitFor(
      async () => {
        const res = await fetch(`${node.baseUrl}/ready`);
        return res.status === 503 ? ((await res.json()) as { reason: string }) : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, message: '/ready 503' },
    );
    assert.match(body.reason, new RegExp(`consumer ${CONSUMER}: `));
    assert.equal((await fetch(`${node.baseUrl}/health`)).status, 200, 'the node keeps running');
    kafka.resume();
    await waitFor(async () => (await fetch(`${node.baseUrl}/ready`)).ok, {
      timeoutMs: 40_000,
      intervalMs: 200,
      message: '/ready 200 again',
    });
  });

  it('rejoins after a broker restart in the middle of a burst, losing nothing', async () => {
    const channels = ['feed:r0', 'feed:r1', 'feed:r2'];
    const sub = await subscriber(scope, node, 'u1', channels);
    const first = 400;
    await kafka.produce(TOPIC, burst(channels, 0, first));
    await waitFor(() => [...sub.got.values()].some((l) => l.length > 0), {
      timeoutMs: 30_000,
      message: 'the burst is being consumed',
    });
    await kafka.kill();
    const during = counts([sub]);
    await sleep(2000);
    await kafka.restart();
    await kafka.produce(TOPIC, burst(channels, first, 100));
    await allReceived([sub], first + 100, 60_000);
    await sleep(500);
    for (const c of channels)
      assert.deepEqual(sub.got.get(c), range(first + 100), `${c} (at the kill: ${during})`);
  });
});
