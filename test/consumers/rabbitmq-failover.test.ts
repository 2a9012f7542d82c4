/**
 * The RabbitMQ consumer when a node or the broker goes away (a real RabbitMQ node, two Switchboard
 * nodes on one Redis, one queue with `x-single-active-consumer`):
 * - the active consumer's node is SIGKILLed in the middle of a burst: the broker hands the queue (and
 *   the unacknowledged messages) to the other node; once the killed node is back, a client on each
 *   node has every message exactly once and in order;
 * - the broker is unreachable: `/ready` answers 503 naming the consumer and `consumer_up` is 0; once
 *   it is back the consumers reconnect by themselves, `/ready` is 200 and messages flow again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, setup, sleep, waitFor } from '../harness/index.js';
import { amqpClient } from '../harness/rabbitmq.js';
import {
  consumerCount,
  consumerUp,
  publishCommand,
  type Rig,
  range,
  ready,
  rig,
  startConsumerNode,
  untilAll,
  watch,
} from './rabbitmq-fixture.js';

describe('rabbitmq consumer: a node killed, the broker away', { timeout: 115_000 }, () => {
  const t = setup();
  let r: Rig;
  let nodes: NodeProcess[];
  after(() => t.cleanup());
  before(async () => {
    r = await rig(t);
    nodes = await Promise.all([startConsumerNode(t, r, 'rmq-k1'), startConsumerNode(t, r, 'rmq-k2')]);
    await waitFor(async () => (await r.amqp.consumers(r.queue)) === 2, {
      message: 'two consumers on the queue',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  });

  it('loses and duplicates nothing when the active node is SIGKILLed mid-burst', async () => {
    const channel = 'feed:kill';
    const watchers = [await watch(t, nodes[0]!, channel, 'k-1'), await watch(t, nodes[1]!, channel, 'k-2')];
    const count = 1500;
    // Identity by message-id for the first half, by hash of the message for the second.
    const half = count / 2;
    await r.amqp.send(
      r.queue,
      range(1, half).map((n) => publishCommand(channel, n)),
      {},
      range(1, half).map((n) => `kill-${n}`),
    );
    await r.amqp.send(
      r.queue,
      range(half + 1, count).map((n) => publishCommand(channel, n)),
    );
    const active = await waitFor(
      async () => {
        const applied = await Promise.all(nodes.map((n) => consumerCount(n, 'applied')));
        const i = applied.findIndex((a) => a >= 150);
        return i === -1 ? undefined : { index: i, applied: applied[i]! };
      },
      { message: 'the active node applied 150 messages', timeoutMs: 30_000, intervalMs: 20 },
    );
    const victim = nodes[active.index]!;
    const survivor = nodes[1 - active.index]!;
    await victim.kill();
    assert.ok(active.applied < count, `the burst was still being consumed at the kill (${active.applied})`);
    await waitFor(async () => (await consumerCount(survivor, 'applied')) > 0, {
      message: 'the other node took over the queue',
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    await victim.restart();
    await untilAll(watchers, count, 60_000);
    await sleep(1000);
    for (const w of watchers) assert.deepEqual(w.numbers(), range(1, count));
    await waitFor(async () => (await r.amqp.count(r.queue)) === 0, 'the queue is empty (all acked)', 10_000);
  });

  it('is not ready while the broker is unreachable and reconnects by itself', async () => {
    const channel = 'feed:ready';
    await waitFor(async () => (await Promise.all(nodes.map(ready))).every((x) => x.status === 200), {
      message: 'both nodes ready',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await r.amqp.close();
    await r.broker.shutdown();
    for (const node of nodes) {
      const state = await waitFor(
        async () => {
          const x = await ready(node);
          return x.status === 503 ? x : undefined;
        },
        { message: `${node.name} not ready`, timeoutMs: 30_000, intervalMs: 100 },
      );
      assert.match(state.body, /consumer rmq: /);
      assert.equal(await consumerUp(node), 0);
    }
    await r.broker.start();
    for (const node of nodes) {
      await waitFor(async () => (await ready(node)).status === 200, {
        message: `${node.name} ready again`,
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      assert.equal(await consumerUp(node), 1);
    }
    const amqp = t.defer(await amqpClient(r.broker.url), (c) => c.close());
    const watchers = [await watch(t, nodes[0]!, channel, 'r-1'), await watch(t, nodes[1]!, channel, 'r-2')];
    await amqp.send(
      r.queue,
      range(1, 20).map((n) => publishCommand(channel, n)),
    );
    await untilAll(watchers, 20, 20_000);
    await sleep(300);
    for (const w of watchers) assert.deepEqual(w.numbers(), range(1, 20));
  });
});
