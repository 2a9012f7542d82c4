/**
 * Conformance suite for `Broker`: every engine runs it with its own factory. Written against the
 * interfaces only, with unique channels per test and no assumption of synchronous delivery.
 *
 * Subscribe semantics checked here: subscribing is idempotent per channel and NOT reference
 * counted, so subscribing twice and unsubscribing once stops delivery.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { HistoryOptions } from '../../src/engine/types.js';
import { sleep } from '../harness/index.js';
import { createCluster, type EngineFactory } from './engine-factory.js';
import { EventRecorder, numbered } from './event-recorder.js';
import { clientInfo, settle, uniqueChannel } from './helpers.js';
import { versionCases } from './version-cases.js';

const HISTORY: HistoryOptions = { size: 2000, ttlMs: 60_000, metaTtlMs: 600_000 };

export function brokerConformance(name: string, factory: EngineFactory): void {
  describe(`${name}: Broker conformance`, () => {
    afterEach(async () => {
      await factory.cleanup();
    });

    it('delivers a channel only to the nodes that subscribed it', async () => {
      const [a, b, c] = await createCluster(factory, 3);
      const [ra, rb, rc] = await Promise.all([a, b, c].map((e) => EventRecorder.start(e.broker)));
      const channel = uniqueChannel('interest');
      const other = uniqueChannel('interest-other');
      await a.broker.subscribe([channel]);
      await b.broker.subscribe([other]);
      // c publishes without being subscribed: publishing needs no interest.
      await c.broker.publish(channel, numbered(1));
      await ra!.waitForPublications(channel, 1);
      await settle();
      assert.deepEqual(ra!.data(channel), ['{"n":1}']);
      assert.equal(rb!.events.length, 0, 'node subscribed to another channel got an event');
      assert.equal(rc!.events.length, 0, 'publishing node that did not subscribe got an event');
    });

    it('subscribes and unsubscribes several channels at once', async () => {
      const [a, b] = await createCluster(factory, 2);
      const ra = await EventRecorder.start(a.broker);
      const [ch1, ch2] = [uniqueChannel('multi-1'), uniqueChannel('multi-2')];
      await a.broker.subscribe([ch1, ch2]);
      await b.broker.publish(ch1, numbered(1));
      await b.broker.publish(ch2, numbered(2));
      await ra.waitForPublications(ch1, 1);
      await ra.waitForPublications(ch2, 1);
      await a.broker.unsubscribe([ch1, ch2]);
      await b.broker.publish(ch1, numbered(3));
      await b.broker.publish(ch2, numbered(4));
      await settle();
      assert.deepEqual(ra.data(ch1), ['{"n":1}']);
      assert.deepEqual(ra.data(ch2), ['{"n":2}']);
    });

    it('publishes without history to every subscribed node, with no offset and no epoch', async () => {
      const [a, b] = await createCluster(factory, 2);
      const [ra, rb] = await Promise.all([EventRecorder.start(a.broker), EventRecorder.start(b.broker)]);
      const channel = uniqueChannel('no-history');
      await a.broker.subscribe([channel]);
      await b.broker.subscribe([channel]);
      const info = clientInfo('u1', 'c1', { role: 'writer' });
      // The caller's offset is ignored: only the engine assigns offsets.
      const pub = {
        data: '{"text":"hi"}',
        info,
        tags: { kind: 'greeting' },
        offset: 42,
        time: 1700000000000,
      };
      const result = await a.broker.publish(channel, pub);
      assert.equal(result.suppressed, false);
      assert.equal(result.position, undefined);
      for (const recorder of [ra, rb]) {
        const [event] = await recorder.waitForPublications(channel, 1);
        assert.equal(event!.channel, channel);
        assert.equal(event!.pub.data, '{"text":"hi"}');
        assert.deepEqual(event!.pub.info, info);
        assert.deepEqual(event!.pub.tags, { kind: 'greeting' });
        assert.equal(event!.pub.time, 1700000000000);
        assert.equal(event!.pub.offset, undefined);
        assert.equal(event!.epoch, undefined);
      }
    });

    it('carries binary data (base64 with the binary flag) through pub/sub and history unchanged', async () => {
      const [a, b] = await createCluster(factory, 2);
      const rb = await EventRecorder.start(b.broker);
      const channel = uniqueChannel('binary');
      await b.broker.subscribe([channel]);
      const data = Buffer.from([0, 1, 2, 255, 254]).toString('base64');
      const history = { size: 10, ttlMs: 60_000, metaTtlMs: 60_000 };
      await a.broker.publish(channel, { data, binary: true }, { history });
      await a.broker.publish(channel, { data: '{"plain":true}' }, { history });
      const events = await rb.waitForPublications(channel, 2);
      assert.equal(events[0]!.pub.data, data);
      assert.equal(events[0]!.pub.binary, true);
      assert.equal(events[1]!.pub.binary, undefined, 'JSON data carries no flag');
      const read = await b.history.history(channel, { limit: -1 }, 60_000);
      assert.deepEqual(
        read.publications.map((p) => [p.data, p.binary]),
        [
          [data, true],
          ['{"plain":true}', undefined],
        ],
      );
    });

    it('stops delivery to a node after it unsubscribes', async () => {
      const [a, b] = await createCluster(factory, 2);
      const [ra, rb] = await Promise.all([EventRecorder.start(a.broker), EventRecorder.start(b.broker)]);
      const channel = uniqueChannel('unsubscribe');
      await a.broker.subscribe([channel]);
      await b.broker.subscribe([channel]);
      await b.broker.publish(channel, numbered(1));
      await ra.waitForPublications(channel, 1);
      await a.broker.unsubscribe([channel]);
      await b.broker.publish(channel, numbered(2));
      // b is the witness that the second publication was delivered at all.
      await rb.waitForPublications(channel, 2);
      await settle();
      assert.deepEqual(ra.data(channel), ['{"n":1}']);
    });

    it('treats subscribe as idempotent, not reference counted', async () => {
      const [a, b] = await createCluster(factory, 2);
      const [ra, rb] = await Promise.all([EventRecorder.start(a.broker), EventRecorder.start(b.broker)]);
      const channel = uniqueChannel('idempotent-subscribe');
      await a.broker.subscribe([channel]);
      await a.broker.subscribe([channel]);
      await b.broker.subscribe([channel]);
      await b.broker.publish(channel, numbered(1));
      await rb.waitForPublications(channel, 1);
      await settle();
      assert.deepEqual(ra.data(channel), ['{"n":1}'], 'subscribing twice must not deliver twice');
      await a.broker.unsubscribe([channel]);
      await b.broker.publish(channel, numbered(2));
      await rb.waitForPublications(channel, 2);
      await settle();
      assert.deepEqual(ra.data(channel), ['{"n":1}'], 'one unsubscribe must stop delivery');
    });

    it('publishes with history: offsets 1, 2, 3 with a stable epoch, delivered in order', async () => {
      const [a, b] = await createCluster(factory, 2);
      const [ra, rb] = await Promise.all([EventRecorder.start(a.broker), EventRecorder.start(b.broker)]);
      const channel = uniqueChannel('history-publish');
      await a.broker.subscribe([channel]);
      await b.broker.subscribe([channel]);
      const results = [];
      for (let n = 1; n <= 3; n++) {
        results.push(await a.broker.publish(channel, numbered(n, { offset: 100 }), { history: HISTORY }));
      }
      const epoch = results[0]!.position!.epoch;
      assert.equal(typeof epoch, 'string');
      assert.ok(epoch.length > 0, 'epoch must not be empty');
      assert.deepEqual(
        results.map((r) => [r.position?.offset, r.position?.epoch, r.suppressed]),
        [
          [1, epoch, false],
          [2, epoch, false],
          [3, epoch, false],
        ],
      );
      for (const recorder of [ra, rb]) {
        const events = await recorder.waitForPublications(channel, 3);
        assert.deepEqual(
          events.map((e) => [e.pub.data, e.pub.offset, e.epoch]),
          [
            ['{"n":1}', 1, epoch],
            ['{"n":2}', 2, epoch],
            ['{"n":3}', 3, epoch],
          ],
        );
      }
    });

    it('delivers 1,000 publications in order to two nodes, with and without history', async () => {
      const [a, b, publisher] = await createCluster(factory, 3);
      const [ra, rb] = await Promise.all([EventRecorder.start(a.broker), EventRecorder.start(b.broker)]);
      const withHistory = uniqueChannel('order-history');
      const plain = uniqueChannel('order-plain');
      await a.broker.subscribe([withHistory, plain]);
      await b.broker.subscribe([withHistory, plain]);
      const count = 1000;
      for (let n = 1; n <= count; n++) {
        await publisher.broker.publish(withHistory, numbered(n), { history: HISTORY });
        await publisher.broker.publish(plain, numbered(n));
      }
      const expectedData = Array.from({ length: count }, (_, i) => `{"n":${i + 1}}`);
      const expectedOffsets = Array.from({ length: count }, (_, i) => i + 1);
      for (const recorder of [ra, rb]) {
        const events = await recorder.waitForPublications(withHistory, count, 20_000);
        assert.deepEqual(
          events.map((e) => e.pub.data),
          expectedData,
        );
        assert.deepEqual(
          events.map((e) => e.pub.offset),
          expectedOffsets,
        );
        await recorder.waitForPublications(plain, count, 20_000);
        assert.deepEqual(recorder.data(plain), expectedData);
      }
    });

    it('suppresses a repeated idempotency key: first result returned, delivered once', async () => {
      const [a, b] = await createCluster(factory, 2);
      const ra = await EventRecorder.start(a.broker);
      const channel = uniqueChannel('idempotent');
      const otherChannel = uniqueChannel('idempotent-other');
      await a.broker.subscribe([channel, otherChannel]);
      const options = { history: HISTORY, idempotencyKey: 'order-1' };
      const first = await b.broker.publish(channel, numbered(1), options);
      // The retry comes through another node, as a client retrying against a cluster would.
      const repeat = await a.broker.publish(channel, numbered(1), options);
      assert.equal(first.suppressed, false);
      assert.equal(repeat.suppressed, true);
      assert.deepEqual(repeat.position, first.position);
      await ra.waitForPublications(channel, 1);
      await settle();
      assert.equal(ra.publications(channel).length, 1, 'a suppressed publish must not be delivered');

      const second = await b.broker.publish(channel, numbered(2), {
        history: HISTORY,
        idempotencyKey: 'order-2',
      });
      assert.equal(second.suppressed, false);
      assert.equal(second.position?.offset, 2);
      await ra.waitForPublications(channel, 2);

      const elsewhere = await b.broker.publish(otherChannel, numbered(1), options);
      assert.equal(elsewhere.suppressed, false, 'keys are per channel');
      assert.equal(elsewhere.position?.offset, 1);
      await ra.waitForPublications(otherChannel, 1);

      const history = await a.history.history(channel, { limit: -1 }, HISTORY.metaTtlMs);
      assert.deepEqual(
        history.publications.map((p) => p.data),
        ['{"n":1}', '{"n":2}'],
      );
    });

    it('suppresses a repeated idempotency key without history', async () => {
      const [a] = await createCluster(factory, 1);
      const ra = await EventRecorder.start(a.broker);
      const channel = uniqueChannel('idempotent-plain');
      await a.broker.subscribe([channel]);
      const first = await a.broker.publish(channel, numbered(1), { idempotencyKey: 'k' });
      const repeat = await a.broker.publish(channel, numbered(1), { idempotencyKey: 'k' });
      assert.deepEqual(first, { suppressed: false });
      assert.equal(repeat.suppressed, true);
      assert.equal(repeat.position, undefined);
      await ra.waitForPublications(channel, 1);
      await settle();
      assert.equal(ra.publications(channel).length, 1);
    });

    it('forgets an idempotency key after idempotencyTtlMs', async () => {
      const [a] = await createCluster(factory, 1);
      const ra = await EventRecorder.start(a.broker);
      const channel = uniqueChannel('idempotent-ttl');
      await a.broker.subscribe([channel]);
      const options = { idempotencyKey: 'k', idempotencyTtlMs: 200 };
      assert.equal((await a.broker.publish(channel, numbered(1), options)).suppressed, false);
      assert.equal((await a.broker.publish(channel, numbered(1), options)).suppressed, true);
      await sleep(500);
      assert.equal((await a.broker.publish(channel, numbered(1), options)).suppressed, false);
      await ra.waitForPublications(channel, 2);
    });

    versionCases(factory);

    it('delivers joins and leaves to the subscribed nodes only', async () => {
      const [a, b, c] = await createCluster(factory, 3);
      const [ra, rb] = await Promise.all([EventRecorder.start(a.broker), EventRecorder.start(b.broker)]);
      const channel = uniqueChannel('join-leave');
      await a.broker.subscribe([channel]);
      const info = clientInfo('u1', 'c1', { seat: 3 });
      await c.broker.publishJoin(channel, info);
      await c.broker.publishLeave(channel, info);
      const events = await ra.waitForChannel(channel, 2);
      assert.deepEqual(events, [
        { type: 'join', channel, info },
        { type: 'leave', channel, info },
      ]);
      await settle();
      assert.equal(rb.events.length, 0);
    });

    it("keeps one channel's publications, joins and leaves in publish order", async () => {
      const [a, b] = await createCluster(factory, 2);
      const ra = await EventRecorder.start(a.broker);
      const channel = uniqueChannel('mixed-order');
      await a.broker.subscribe([channel]);
      const info = clientInfo('u1', 'c1');
      await b.broker.publish(channel, numbered(1), { history: HISTORY });
      await b.broker.publishJoin(channel, info);
      await b.broker.publish(channel, numbered(2));
      await b.broker.publishLeave(channel, info);
      const events = await ra.waitForChannel(channel, 4);
      assert.deepEqual(
        events.map((e) => e.type),
        ['publication', 'join', 'publication', 'leave'],
      );
    });

    it('sends control messages to every node, the sender included', async () => {
      const nodes = await createCluster(factory, 3);
      const recorders = await Promise.all(nodes.map((e) => EventRecorder.start(e.broker)));
      const data = `{"control":"${uniqueChannel('control')}"}`;
      await nodes[0].broker.publishControl(data);
      for (const recorder of recorders) await recorder.waitForControl(data);
      await settle();
      for (const recorder of recorders)
        assert.deepEqual(recorder.controls(data), [{ type: 'control', data }]);
    });

    it('rejects calls after close and stops delivering to the closed node', async () => {
      const [a, b] = await createCluster(factory, 2);
      const [ra, rb] = await Promise.all([EventRecorder.start(a.broker), EventRecorder.start(b.broker)]);
      const channel = uniqueChannel('closed');
      await a.broker.subscribe([channel]);
      await b.broker.subscribe([channel]);
      await a.close();
      await a.close(); // closing twice is harmless
      await b.broker.publish(channel, numbered(1));
      await rb.waitForPublications(channel, 1);
      await settle();
      assert.equal(ra.events.length, 0);
      await assert.rejects(a.broker.publish(channel, numbered(2)));
      await assert.rejects(a.broker.subscribe([channel]));
      await assert.rejects(a.broker.publishControl('{}'));
    });
  });
}
