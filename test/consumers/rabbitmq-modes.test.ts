/**
 * The RabbitMQ consumer's other modes, on a real RabbitMQ node and two Switchboard nodes on one Redis:
 * - competing consumers (`single_active_consumer: false`): the broker spreads the queue over both
 *   nodes, each message reaches the clients exactly once (order across nodes is not promised);
 * - publication data mode: the body is the data, channels and options come from AMQP headers;
 *   a message without channels is dead-lettered to a configured `dead_letter_exchange` (bound to a
 *   queue by the test), with our reason header;
 * - `stop()` while a message is being retried (its applier answers `retry`, as with the engine
 *   away) returns in well under 2 s and leaves every message in the queue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import type { MessageApplier } from '../../src/consumers/applier.js';
import { NO_CONSUMER_METRICS } from '../../src/consumers/metrics.js';
import { createRabbitmqConsumer } from '../../src/consumers/rabbitmq/index.js';
import { silentLogger } from '../../src/log.js';
import { type NodeProcess, setup, sleep, waitFor } from '../harness/index.js';
import {
  consumerCount,
  NAMESPACE,
  publishCommand,
  type Rig,
  range,
  rig,
  untilAll,
  watch,
} from './rabbitmq-fixture.js';

const COMPETING = 'switchboard.competing';
const DATA = 'switchboard.data';
const DLX = 'switchboard.dlx';
const DLX_QUEUE = 'switchboard.dlx.all';

describe('rabbitmq consumer: competing consumers, publication data mode', { timeout: 110_000 }, () => {
  const t = setup();
  let r: Rig;
  let nodes: NodeProcess[];
  after(() => t.cleanup());
  before(async () => {
    r = await rig(t);
    await r.amqp.channel.assertExchange(DLX, 'fanout', { durable: true });
    await r.amqp.channel.assertQueue(DLX_QUEUE, { durable: true });
    await r.amqp.channel.bindQueue(DLX_QUEUE, DLX, '');
    const config = {
      engine: { redis: { address: r.redis.url } },
      channel: { namespaces: [NAMESPACE] },
      consumers: [
        {
          name: 'competing',
          enabled: true,
          type: 'rabbitmq',
          rabbitmq: {
            url: r.broker.url,
            queue: COMPETING,
            declare_queue: true,
            single_active_consumer: false,
            prefetch_count: 5,
          },
        },
        {
          name: 'data',
          enabled: true,
          type: 'rabbitmq',
          rabbitmq: {
            url: r.broker.url,
            queue: DATA,
            declare_queue: true,
            dead_letter_exchange: DLX,
            publication_data_mode: { enabled: true },
          },
        },
      ],
    };
    nodes = await Promise.all([t.nodeProcess('rmq-m1', config), t.nodeProcess('rmq-m2', config)]);
    for (const queue of [COMPETING, DATA]) {
      await waitFor(async () => (await r.amqp.consumers(queue)) === 2, {
        message: `two consumers on ${queue}`,
        timeoutMs: 30_000,
        intervalMs: 100,
      });
    }
  });

  it('spreads a queue over both nodes without SAC, each message once', async () => {
    const channel = 'feed:competing';
    const watchers = [await watch(t, nodes[0]!, channel, 'c-1'), await watch(t, nodes[1]!, channel, 'c-2')];
    const count = 400;
    await r.amqp.send(
      COMPETING,
      range(1, count).map((n) => publishCommand(channel, n)),
    );
    await untilAll(watchers, count, 30_000);
    await sleep(500);
    for (const w of watchers) {
      assert.deepEqual(
        [...w.numbers()].sort((a, b) => a - b),
        range(1, count),
      );
    }
    const applied = await Promise.all(nodes.map((n) => consumerCount(n, 'applied', 'competing')));
    assert.equal(applied[0]! + applied[1]!, count);
    assert.ok(
      applied.every((a) => a > 0),
      `both nodes consumed: ${applied.join(', ')}`,
    );
  });

  it('publishes raw data to the channels of its headers; dead-letters to the exchange', async () => {
    const watchers = [
      await watch(t, nodes[0]!, 'feed:data-a', 'd-1'),
      await watch(t, nodes[1]!, 'feed:data-b', 'd-2'),
    ];
    const both = 'feed:data-a,feed:data-b';
    for (let n = 1; n <= 30; n++) {
      await r.amqp.send(DATA, [JSON.stringify({ n })], {
        headers: { 'centrifugo-channels': both, 'centrifugo-tag-kind': 'raw' },
      });
      // A message without channels: never applicable.
      if (n === 15)
        await r.amqp.send(DATA, ['{"n":0}'], { headers: { other: 'x' }, messageId: 'no-channels' });
    }
    await untilAll(watchers, 30, 30_000);
    await sleep(500);
    for (const w of watchers) {
      assert.deepEqual(w.numbers(), range(1, 30));
      assert.deepEqual(w.got[0]?.tags, { kind: 'raw' });
    }
    await waitFor(async () => (await r.amqp.count(DLX_QUEUE)) === 1, 'one dead letter', 15_000);
    const [dead] = await r.amqp.drain(DLX_QUEUE);
    assert.equal(dead?.content.toString(), '{"n":0}');
    assert.equal(dead?.properties.messageId, 'no-channels');
    assert.match(String(dead?.properties.headers?.['centrifugo-dead-letter-reason']), /no channels/);
  });

  it('stops promptly while retrying and leaves the messages unacknowledged', async () => {
    const queue = 'switchboard.stop';
    const { consumers } = resolveConfig({
      consumers: [
        {
          name: 'stopper',
          enabled: true,
          type: 'rabbitmq',
          rabbitmq: { url: r.broker.url, queue, declare_queue: true, prefetch_count: 3 },
        },
      ],
    });
    let attempts = 0;
    // The engine away: every attempt answers retry.
    const applier = {
      apply: async () => {
        attempts++;
        return { status: 'retry', reason: 'engine unreachable' } as const;
      },
    } as unknown as MessageApplier;
    const consumer = createRabbitmqConsumer({
      config: consumers[0]!,
      nodeId: 'test',
      applier,
      metrics: NO_CONSUMER_METRICS,
      log: silentLogger(),
    });
    await consumer.start();
    await waitFor(() => consumer.problem() === undefined, 'connected', 15_000);
    await r.amqp.send(
      queue,
      range(1, 5).map((n) => publishCommand('feed:stop', n)),
    );
    await waitFor(() => attempts >= 3, 'the first message retried', 10_000);
    // Prefetch 3: the broker holds the other two back while the first is retried.
    assert.equal(await r.amqp.count(queue), 2);
    const started = Date.now();
    await consumer.stop();
    const took = Date.now() - started;
    assert.ok(took < 2000, `stop took ${took} ms`);
    await waitFor(async () => (await r.amqp.count(queue)) === 5, 'all five back in the queue', 10_000);
    const back = await r.amqp.drain(queue);
    assert.deepEqual(
      back.map(
        (m) => (JSON.parse(m.content.toString()) as { payload: { data: { n: number } } }).payload.data.n,
      ),
      range(1, 5),
    );
    assert.ok(back[0]?.fields.redelivered, 'the retried message comes back marked redelivered');
  });
});
