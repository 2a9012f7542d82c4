/**
 * Conformance suite for what an engine stores: reading a channel (history, presence) or subscribing
 * it stores nothing, and what a publish stores is gone `metaTtlMs` after the last publish, however
 * often the channel is read meanwhile. A flood of reads over many channels must not grow the backend.
 * Checked through the factory's `stored(channel)`; without it the checks are skipped.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { HistoryOptions } from '../../src/engine/types.js';
import { sleep } from '../harness/index.js';
import { createCluster, type EngineFactory } from './engine-factory.js';
import { EventRecorder, numbered } from './event-recorder.js';
import { clientInfo, uniqueChannel } from './helpers.js';

const META_TTL_MS = 600_000;
const HISTORY: HistoryOptions = { size: 10, ttlMs: 60_000, metaTtlMs: META_TTL_MS };
const INVALID = { code: 'ENGINE_INVALID_ARGUMENT' };

export function stateConformance(name: string, factory: EngineFactory): void {
  describe(`${name}: stored state conformance`, () => {
    afterEach(async () => {
      await factory.cleanup();
    });

    /** What the backend holds for `channel`; undefined when the factory cannot tell. */
    function stored(channel: string): Promise<string[]> | undefined {
      return factory.stored?.(channel);
    }

    it('stores nothing when a channel that was never published is read or cleared', async (t) => {
      if (factory.stored === undefined) return t.skip('the factory cannot list stored state');
      const [a, b] = await createCluster(factory, 2);
      const channel = uniqueChannel('read-only');
      const first = await a.history.history(channel, { limit: 0 }, META_TTL_MS);
      assert.equal(first.position.offset, 0);
      assert.ok(first.position.epoch.length > 0, 'a stream with no record still has an epoch');
      await a.history.history(channel, { limit: -1, since: { offset: 0 } }, META_TTL_MS);
      await b.history.history(channel, { limit: 5, reverse: true, since: { offset: 3 } }, META_TTL_MS);
      await b.history.remove(channel);
      const again = await b.history.history(channel, { limit: -1 }, META_TTL_MS);
      assert.deepEqual(again.position, first.position, 'every read and node sees the same position');
      const other = await a.history.history(uniqueChannel('read-only-other'), { limit: 0 }, META_TTL_MS);
      assert.notEqual(other.position.epoch, first.position.epoch, 'each channel has its own epoch');
      assert.deepEqual(await stored(channel), []);
    });

    it('stores nothing when an empty channel is subscribed or its presence is read', async (t) => {
      if (factory.stored === undefined) return t.skip('the factory cannot list stored state');
      const [a] = await createCluster(factory, 1);
      await EventRecorder.start(a.broker);
      const channel = uniqueChannel('subscribe-only');
      await a.broker.subscribe([channel]);
      assert.deepEqual(await a.presence.presence(channel), {});
      assert.deepEqual(await a.presence.stats(channel), { numClients: 0, numUsers: 0 });
      await a.presence.remove(channel, 'nobody');
      assert.deepEqual(await stored(channel), [], 'while subscribed');
      await a.broker.unsubscribe([channel]);
      assert.deepEqual(await stored(channel), [], 'after unsubscribe');
    });

    it('stores nothing for 2,000 channels read once each', async (t) => {
      if (factory.stored === undefined) return t.skip('the factory cannot list stored state');
      const [a] = await createCluster(factory, 1);
      const channels = Array.from({ length: 2000 }, (_, i) => uniqueChannel(`flood-${i}`));
      await Promise.all(channels.map((channel) => a.history.history(channel, { limit: 0 }, META_TTL_MS)));
      const sample = channels.filter((_, i) => i % 100 === 0);
      const held = await Promise.all(sample.map((channel) => stored(channel)));
      assert.deepEqual(held.flat(), []);
    });

    it('keeps the epoch a reader saw before the first publish', async () => {
      const [a, b] = await createCluster(factory, 2);
      const channel = uniqueChannel('first-publish');
      const before = await a.history.history(channel, { limit: 0 }, META_TTL_MS);
      const published = await b.broker.publish(channel, numbered(1), { history: HISTORY });
      assert.deepEqual(published.position, { offset: 1, epoch: before.position.epoch });
      const since = await a.history.history(channel, { limit: -1, since: { offset: 0 } }, META_TTL_MS);
      assert.deepEqual(since.position, published.position);
      assert.deepEqual(
        since.publications.map((p) => p.offset),
        [1],
      );
    });

    it('drops what a publish stored metaTtlMs after the last publish, however often it is read', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('meta-bounded');
      const history = { size: 10, ttlMs: 200, metaTtlMs: 600 };
      const options = { history, idempotencyKey: 'once', idempotencyTtlMs: 300 };
      const published = await a.broker.publish(channel, numbered(1), options);
      assert.equal(published.position?.offset, 1);
      if (factory.stored !== undefined) assert.notDeepEqual(await stored(channel), []);
      // A reader polling every 50 ms for 1.2 s, twice the meta ttl: reads do not keep the meta alive.
      const deadline = Date.now() + 1200;
      while (Date.now() < deadline) {
        await a.history.history(channel, { limit: 0 }, history.metaTtlMs);
        await sleep(50);
      }
      const after = await a.history.history(channel, { limit: -1 }, history.metaTtlMs);
      assert.equal(after.position.offset, 0, 'the position expired although the channel was read');
      assert.deepEqual(after.publications, []);
      assert.notEqual(after.position.epoch, published.position?.epoch, 'a lost stream gets a new epoch');
      if (factory.stored !== undefined) assert.deepEqual(await stored(channel), []);
      const next = await a.broker.publish(channel, numbered(2), { history });
      assert.equal(next.position?.offset, 1);
      assert.notEqual(next.position?.epoch, published.position?.epoch);
    });

    it('refuses a metaTtlMs of 0: the meta of a stream must expire', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('meta-zero');
      await assert.rejects(a.history.history(channel, { limit: 0 }, 0), INVALID);
      await assert.rejects(
        a.broker.publish(channel, numbered(1), { history: { ...HISTORY, metaTtlMs: 0 } }),
        INVALID,
      );
      await a.presence.add(channel, clientInfo('u', 'c'), 1000);
    });
  });
}
