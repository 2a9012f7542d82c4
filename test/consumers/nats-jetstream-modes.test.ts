/**
 * The nats_jetstream consumer in one in-process node, against a real nats-server: publication data
 * mode (the body is the data, channels and options from headers; no channels header is poison), and
 * `stop()` while the message in hand cannot be applied (Redis down): prompt, the message handed
 * back unacknowledged, and applied once by the next consumer as soon as the engine is back — long
 * before the 30 s ack wait.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublicationContext } from 'centrifuge';
import { MessageApplier } from '../../src/consumers/applier.js';
import { NO_CONSUMER_METRICS } from '../../src/consumers/metrics.js';
import { createNatsJetStreamConsumer } from '../../src/consumers/nats-jetstream/index.js';
import { silentLogger } from '../../src/log.js';
import { collect, newClient, startRedis, startTestNode, token, waitFor } from '../harness/index.js';
import {
  consumerState,
  createStream,
  type JetStreamHandle,
  jetStreamClient,
  type NatsServer,
  natsNodeConfig,
  publishCommand,
  publishStored,
  startNats,
  storedMessages,
  TEST_DURABLE,
  TEST_STREAM,
} from '../harness/nats.js';

describe('nats_jetstream consumer: publication data mode and stop', () => {
  let nats: NatsServer;
  let client: JetStreamHandle;

  before(async () => {
    nats = await startNats();
    client = await jetStreamClient(nats.url);
    await createStream(client.jsm, TEST_STREAM, ['events.>']);
  });
  after(async () => {
    await client?.close().catch(() => {});
    await nats?.stop();
  });

  it('publishes the body to the channels named in headers, with the idempotency key and tags', async () => {
    const config = natsNodeConfig('', nats.url, {
      durable_consumer_name: 'data_mode',
      subjects: ['events.data'],
      publication_data_mode: { enabled: true },
    });
    const node = await startTestNode({ channel: config['channel'], consumers: config['consumers'] });
    const c = newClient(node.wsUrl, { token: await token('u') });
    try {
      const subs = ['room:p', 'room:q'].map((ch) => c.newSubscription(ch));
      const got: PublicationContext[][] = subs.map((s) => collect(s));
      for (const s of subs) s.subscribe();
      c.connect();
      await Promise.all(subs.map((s) => s.ready(5000)));
      const h = (v: Record<string, string>) => ({ headerValues: v });
      await publishStored(
        client.js,
        'events.data',
        '{"x":1}',
        h({ 'centrifugo-channels': 'room:p, room:q' }),
      );
      await publishStored(client.js, 'events.data', '{"x":2}', h({ 'centrifugo-channels': 'room:p' }));
      await publishStored(client.js, 'events.data', '{"x":3}', h({ 'other-header': 'room:p' }));
      // The same idempotency key as x=2: the engine drops it.
      await publishStored(
        client.js,
        'events.data',
        '{"x":4}',
        h({ 'centrifugo-channels': 'room:p', 'centrifugo-idempotency-key': 'k1' }),
      );
      await publishStored(
        client.js,
        'events.data',
        '{"x":5}',
        h({ 'centrifugo-channels': 'room:p', 'centrifugo-idempotency-key': 'k1' }),
      );
      await publishStored(
        client.js,
        'events.data',
        '{"x":6}',
        h({ 'centrifugo-channels': 'room:p', 'centrifugo-tag-kind': 'final' }),
      );
      await waitFor(() => got[0]!.length >= 4 && got[1]!.length >= 1, 'the publications', 15_000);
      await waitFor(async () => (await consumerState(client.jsm, TEST_STREAM, 'data_mode')).ackPending === 0);
      assert.deepEqual(
        got[0]!.map((p) => p.data),
        [{ x: 1 }, { x: 2 }, { x: 4 }, { x: 6 }],
      );
      assert.deepEqual(
        got[1]!.map((p) => p.data),
        [{ x: 1 }],
      );
      assert.deepEqual(got[0]![3]!.tags, { kind: 'final' });
      const dead = await storedMessages(client.jsm, `${TEST_STREAM}_dead_letter`);
      assert.deepEqual(
        dead.map((d) => d.string()),
        ['{"x":3}'],
      );
      assert.match(dead[0]!.header.get('Switchboard-Dead-Letter-Reason'), /centrifugo-channels/);
    } finally {
      c.disconnect();
      await node.stop();
    }
  });

  it('stops within 2 s while retrying, and hands the message back unacknowledged', async () => {
    const redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    const config = natsNodeConfig(redis.url, nats.url, { ack_wait: '30s', subjects: ['events.stop'] });
    const node = await startTestNode({ engine: config['engine'], channel: config['channel'] });
    // The node runs no consumer itself: the test starts and stops them on the node's API.
    const { resolveConfig } = await import('../../src/config/index.js');
    const section = resolveConfig({ consumers: config['consumers'] }).consumers[0]!;
    const make = () =>
      createNatsJetStreamConsumer({
        config: section,
        nodeId: 'test',
        applier: new MessageApplier(node.app.node, 'nats'),
        metrics: NO_CONSUMER_METRICS,
        log: silentLogger(),
      });
    const c = newClient(node.wsUrl, { token: await token('u') });
    try {
      const sub = c.newSubscription('room:stop');
      const got = collect(sub);
      sub.subscribe();
      c.connect();
      await sub.ready(5000);
      const first = make();
      await first.start();
      await waitFor(() => first.problem() === undefined, 'connected', 10_000);
      await redis.kill();
      await publishStored(client.js, 'events.stop', publishCommand('room:stop', { n: 1 }));
      await waitFor(
        async () => (await consumerState(client.jsm, TEST_STREAM, TEST_DURABLE)).ackPending === 1,
      );
      const t0 = performance.now();
      await first.stop();
      const took = performance.now() - t0;
      assert.ok(took < 2000, `stop took ${Math.round(took)} ms`);
      // Nak'ed, it still counts as ack pending until it is delivered again: see the next consumer.
      assert.equal(got.length, 0, 'not applied');

      await redis.restartKeepingData();
      const second = make();
      const t1 = performance.now();
      await second.start();
      try {
        await waitFor(() => got.length >= 1, 'applied by the next consumer', 14_000);
        assert.ok(performance.now() - t1 < 15_000, 'well before the 30 s ack wait');
        assert.deepEqual(
          got.map((p) => p.data),
          [{ n: 1 }],
        );
        await waitFor(
          async () => (await consumerState(client.jsm, TEST_STREAM, TEST_DURABLE)).ackPending === 0,
        );
      } finally {
        await second.stop();
      }
    } finally {
      c.disconnect();
      await node.stop();
      await redis.stop();
    }
  });
});
