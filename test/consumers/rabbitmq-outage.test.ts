/**
 * The RabbitMQ consumer through outages (a real RabbitMQ node, two Switchboard nodes on one Redis,
 * one queue with `x-single-active-consumer`):
 * - the broker is restarted while a burst is being consumed: the consumers reconnect by themselves,
 *   the unacknowledged messages come back, nothing is lost or duplicated, order holds;
 * - Redis (the engine) is down for 10 s while messages keep arriving: the consumer takes no more than
 *   its prefetch window (the rest waits in the queue, reported as lag), the nodes are not ready, and
 *   once Redis is back every message arrives once, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, setup, sleep, waitFor } from '../harness/index.js';
import { amqpClient } from '../harness/rabbitmq.js';
import {
  consumerCount,
  consumerLag,
  publishCommand,
  type Rig,
  range,
  ready,
  rig,
  startConsumerNode,
  untilAll,
  watch,
} from './rabbitmq-fixture.js';

const PREFETCH = 20;

describe('rabbitmq consumer: broker restart, engine outage', { timeout: 115_000 }, () => {
  const t = setup();
  let r: Rig;
  let nodes: NodeProcess[];
  after(() => t.cleanup());
  before(async () => {
    r = await rig(t);
    nodes = await Promise.all([
      startConsumerNode(t, r, 'rmq-o1', { prefetch_count: PREFETCH }),
      startConsumerNode(t, r, 'rmq-o2', { prefetch_count: PREFETCH }),
    ]);
    await waitFor(async () => (await r.amqp.consumers(r.queue)) === 2, {
      message: 'two consumers on the queue',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  });

  it('loses and duplicates nothing when the broker restarts mid-burst', async () => {
    const channel = 'feed:broker-restart';
    const watchers = [await watch(t, nodes[0]!, channel, 'b-1'), await watch(t, nodes[1]!, channel, 'b-2')];
    const first = 800;
    const total = 1000;
    await r.amqp.send(
      r.queue,
      range(1, first).map((n) => publishCommand(channel, n)),
    );
    await waitFor(
      async () => (await Promise.all(nodes.map((n) => consumerCount(n, 'applied')))).some((a) => a >= 100),
      { message: 'a node applied 100 messages', timeoutMs: 30_000, intervalMs: 20 },
    );
    await r.amqp.close();
    await r.broker.restart();
    const amqp = t.defer(await amqpClient(r.broker.url), (c) => c.close());
    await amqp.send(
      r.queue,
      range(first + 1, total).map((n) => publishCommand(channel, n)),
    );
    await untilAll(watchers, total, 60_000);
    await sleep(1000);
    for (const w of watchers) assert.deepEqual(w.numbers(), range(1, total));
    r.amqp = amqp;
  });

  it('takes nothing beyond its prefetch while Redis is down, then delivers everything in order', async () => {
    const channel = 'feed:engine-outage';
    const watchers = [await watch(t, nodes[0]!, channel, 'e-1'), await watch(t, nodes[1]!, channel, 'e-2')];
    await r.amqp.send(
      r.queue,
      range(1, 50).map((n) => publishCommand(channel, n)),
    );
    await untilAll(watchers, 50, 20_000);
    await r.redis.kill();
    const down = Date.now();
    // Messages keep arriving during the 10 s outage.
    for (let n = 51; n <= 250; n += 20) {
      await r.amqp.send(
        r.queue,
        range(n, n + 19).map((i) => publishCommand(channel, i)),
      );
      await sleep(400);
    }
    const waiting = await r.amqp.count(r.queue);
    assert.ok(waiting >= 200 - PREFETCH, `at most the prefetch window was taken (${waiting} still queued)`);
    const lag = await waitFor(
      async () => {
        const lags = await Promise.all(nodes.map(consumerLag));
        return lags.find((l) => l !== undefined && l >= 200 - PREFETCH);
      },
      { message: 'the lag reported', timeoutMs: 15_000, intervalMs: 200 },
    );
    assert.ok(lag >= 200 - PREFETCH);
    assert.equal((await ready(nodes[0]!)).status, 503);
    await sleep(Math.max(0, 10_000 - (Date.now() - down)));
    await r.redis.restartKeepingData();
    await untilAll(watchers, 250, 60_000);
    await sleep(1000);
    for (const w of watchers) assert.deepEqual(w.numbers(), range(1, 250));
    await waitFor(async () => (await r.amqp.count(r.queue)) === 0, 'the queue is empty (all acked)', 15_000);
  });
});
