/**
 * The RabbitMQ consumer against a real RabbitMQ node, two Switchboard nodes on one Redis, each running
 * the consumer on the same queue (declared with `x-single-active-consumer`):
 * - a burst published into the queue reaches a client on each node exactly once and in order, and
 *   one node at a time applied it (the single active consumer);
 * - poison messages (bad JSON, unknown method, a channel in an unknown namespace, a header-form
 *   message whose body is not JSON) interleaved with good ones (envelopes and the method-header
 *   form) end in the dead-letter queue with their reason; the good ones all arrive, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, setup, sleep, waitFor } from '../harness/index.js';
import {
  consumerCount,
  publishCommand,
  type Rig,
  range,
  rig,
  startConsumerNode,
  untilAll,
  watch,
} from './rabbitmq-fixture.js';

describe('rabbitmq consumer: delivery on two nodes', { timeout: 110_000 }, () => {
  const t = setup();
  let r: Rig;
  let nodes: NodeProcess[];
  after(() => t.cleanup());
  before(async () => {
    r = await rig(t);
    nodes = await Promise.all([startConsumerNode(t, r, 'rmq-a'), startConsumerNode(t, r, 'rmq-b')]);
    // Both nodes are consumers of the queue (one active, one waiting).
    await waitFor(async () => (await r.amqp.consumers(r.queue)) === 2, {
      message: 'two consumers on the queue',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  });

  it('delivers a burst to clients on both nodes exactly once, in order', async () => {
    const channel = 'feed:burst';
    const watchers = [await watch(t, nodes[0]!, channel, 'u-a'), await watch(t, nodes[1]!, channel, 'u-b')];
    const count = 300;
    await r.amqp.send(
      r.queue,
      range(1, count).map((n) => publishCommand(channel, n)),
    );
    await untilAll(watchers, count, 30_000);
    // A duplicate would come after the last one: give it the time to show.
    await sleep(500);
    for (const w of watchers) assert.deepEqual(w.numbers(), range(1, count));
    const applied = await Promise.all(nodes.map((n) => consumerCount(n, 'applied')));
    assert.equal(applied[0]! + applied[1]!, count, `applied per node: ${applied.join(', ')}`);
    assert.ok(applied.includes(0), `one active consumer applied everything: ${applied.join(', ')}`);
    await waitFor(async () => (await r.amqp.count(r.queue)) === 0, 'the queue is empty (all acked)', 10_000);
  });

  it('dead-letters poison messages and delivers the good ones in order', async () => {
    const channel = 'feed:poison';
    const watchers = [await watch(t, nodes[0]!, channel, 'p-a'), await watch(t, nodes[1]!, channel, 'p-b')];
    const deadBefore = (await Promise.all(nodes.map((n) => consumerCount(n, 'dead_lettered')))).reduce(
      (a, b) => a + b,
    );
    const poison = [
      { body: '{"method":"publish","payload":', why: /not JSON/ },
      { body: JSON.stringify({ method: 'no_such_method', payload: {} }), why: /^\d+: / },
      { body: publishCommand('nowhere:x', 0), why: /^102: / },
      { body: 'not json either', why: /payload is not JSON/, header: true },
    ];
    const good = 40;
    const sent: string[] = [];
    for (let n = 1; n <= good; n++) {
      // Half of the good ones in the header form: method in `centrifugo-method`, params as the body.
      if (n % 2 === 0) {
        await r.amqp.send(r.queue, [JSON.stringify({ channel, data: { n } })], {
          headers: { 'centrifugo-method': 'publish' },
        });
      } else {
        await r.amqp.send(r.queue, [publishCommand(channel, n)]);
      }
      if (n % 10 === 0) {
        const p = poison[n / 10 - 1]!;
        await r.amqp.send(r.queue, [p.body], p.header ? { headers: { 'centrifugo-method': 'publish' } } : {});
        sent.push(p.body);
      }
    }
    await untilAll(watchers, good, 30_000);
    const dlq = `${r.queue}.dead-letter`;
    await waitFor(async () => (await r.amqp.count(dlq)) === poison.length, {
      message: `${poison.length} dead letters`,
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    const dead = await r.amqp.drain(dlq);
    assert.deepEqual(
      dead.map((m) => m.content.toString()),
      sent,
    );
    dead.forEach((m, i) => {
      const headers = m.properties.headers ?? {};
      const reason = String(headers['centrifugo-dead-letter-reason']);
      assert.match(reason, poison[i]!.why, `dead letter ${i}: ${reason}`);
      assert.equal(String(headers['centrifugo-dead-letter-consumer']), 'rmq');
      assert.equal(String(headers['centrifugo-dead-letter-queue']), r.queue);
    });
    await sleep(500);
    for (const w of watchers) assert.deepEqual(w.numbers(), range(1, good));
    const deadAfter = (await Promise.all(nodes.map((n) => consumerCount(n, 'dead_lettered')))).reduce(
      (a, b) => a + b,
    );
    assert.equal(deadAfter - deadBefore, poison.length);
  });
});
