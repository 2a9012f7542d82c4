/**
 * Conformance suite for `HistoryStore`, together with the stream writes of `Broker.publish`. Every
 * engine runs it with its own factory; channels are unique per test so a backend can be reused.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Engine, HistoryOptions, HistoryQuery } from '../../src/engine/types.js';
import type { Publication } from '../../src/protocol/types.js';
import { sleep } from '../harness/index.js';
import { createCluster, type EngineFactory } from './engine-factory.js';
import { numbered } from './event-recorder.js';
import { clientInfo, uniqueChannel } from './helpers.js';

const META_TTL_MS = 600_000;
const HISTORY: HistoryOptions = { size: 10, ttlMs: 60_000, metaTtlMs: META_TTL_MS };

/** Publishes `{"n":1}` … `{"n":count}` with history, in order. */
async function publishNumbered(
  engine: Engine,
  channel: string,
  count: number,
  history = HISTORY,
): Promise<void> {
  for (let n = 1; n <= count; n++) await engine.broker.publish(channel, numbered(n), { history });
}

function offsets(publications: readonly Publication[]): (number | undefined)[] {
  return publications.map((p) => p.offset);
}

export function historyConformance(name: string, factory: EngineFactory): void {
  describe(`${name}: HistoryStore conformance`, () => {
    afterEach(async () => {
      await factory.cleanup();
    });

    /** Reads `channel` on `engine` with the suite's meta ttl and returns the offsets. */
    async function read(
      engine: Engine,
      channel: string,
      query: HistoryQuery,
    ): Promise<(number | undefined)[]> {
      return offsets((await engine.history.history(channel, query, META_TTL_MS)).publications);
    }

    it('gives a fresh channel offset 0 and an epoch that the first publish keeps', async () => {
      const [a, b] = await createCluster(factory, 2);
      const channel = uniqueChannel('fresh');
      const fresh = await a.history.history(channel, { limit: -1 }, META_TTL_MS);
      assert.deepEqual(fresh.publications, []);
      assert.equal(fresh.position.offset, 0);
      assert.equal(typeof fresh.position.epoch, 'string');
      assert.ok(fresh.position.epoch.length > 0, 'epoch must not be empty');
      const again = await b.history.history(channel, { limit: 0 }, META_TTL_MS);
      assert.deepEqual(again.position, fresh.position, 'every node sees the same stream meta');
      const published = await b.broker.publish(channel, numbered(1), { history: HISTORY });
      assert.deepEqual(published.position, { offset: 1, epoch: fresh.position.epoch });
      const after = await a.history.history(channel, { limit: 0 }, META_TTL_MS);
      assert.deepEqual(after.position, { offset: 1, epoch: fresh.position.epoch });
    });

    it('returns only the position for limit 0, and every kept publication for limit -1', async () => {
      const [a, b] = await createCluster(factory, 2);
      const channel = uniqueChannel('limits');
      const info = clientInfo('u1', 'c1');
      await a.broker.publish(
        channel,
        { data: '{"first":true}', info, tags: { t: '1' } },
        { history: HISTORY },
      );
      await publishNumbered(a, channel, 2);
      const none = await b.history.history(channel, { limit: 0 }, META_TTL_MS);
      assert.deepEqual(none.publications, []);
      assert.equal(none.position.offset, 3);
      const all = await b.history.history(channel, { limit: -1 }, META_TTL_MS);
      assert.deepEqual(all.position, none.position);
      assert.deepEqual(offsets(all.publications), [1, 2, 3]);
      assert.deepEqual(
        all.publications.map((p) => p.data),
        ['{"first":true}', '{"n":1}', '{"n":2}'],
      );
      assert.deepEqual(all.publications[0]!.info, info);
      assert.deepEqual(all.publications[0]!.tags, { t: '1' });
    });

    it('returns the first N publications for limit N', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('limit-n');
      await publishNumbered(a, channel, 3);
      assert.deepEqual(await read(a, channel, { limit: 2 }), [1, 2]);
      assert.deepEqual(await read(a, channel, { limit: 1 }), [1]);
      assert.deepEqual(await read(a, channel, { limit: 10 }), [1, 2, 3]);
    });

    it('returns publications after since.offset, limit applied after the filter', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('since');
      await publishNumbered(a, channel, 4);
      assert.deepEqual(await read(a, channel, { limit: -1, since: { offset: 1 } }), [2, 3, 4]);
      assert.deepEqual(await read(a, channel, { limit: 2, since: { offset: 1 } }), [2, 3]);
      assert.deepEqual(await read(a, channel, { limit: -1, since: { offset: 0 } }), [1, 2, 3, 4]);
      assert.deepEqual(await read(a, channel, { limit: -1, since: { offset: 4 } }), []);
      assert.deepEqual(await read(a, channel, { limit: -1, since: { offset: 9 } }), []);
      const position = await a.history.history(channel, { limit: 0, since: { offset: 1 } }, META_TTL_MS);
      assert.deepEqual(position.publications, []);
      assert.equal(position.position.offset, 4);
    });

    it('returns newest first with reverse', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('reverse');
      await publishNumbered(a, channel, 3);
      assert.deepEqual(await read(a, channel, { limit: -1, reverse: true }), [3, 2, 1]);
      assert.deepEqual(await read(a, channel, { limit: 2, reverse: true }), [3, 2]);
    });

    it('returns publications before since.offset, newest first, with reverse', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('reverse-since');
      await publishNumbered(a, channel, 4);
      assert.deepEqual(await read(a, channel, { limit: -1, reverse: true, since: { offset: 3 } }), [2, 1]);
      assert.deepEqual(await read(a, channel, { limit: 1, reverse: true, since: { offset: 3 } }), [2]);
      assert.deepEqual(await read(a, channel, { limit: -1, reverse: true, since: { offset: 1 } }), []);
      assert.deepEqual(
        await read(a, channel, { limit: -1, reverse: true, since: { offset: 5 } }),
        [4, 3, 2, 1],
      );
    });

    it('trims the stream to size, keeping the newest', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('trim');
      await publishNumbered(a, channel, 5, { ...HISTORY, size: 3 });
      const result = await a.history.history(channel, { limit: -1 }, META_TTL_MS);
      assert.deepEqual(offsets(result.publications), [3, 4, 5]);
      assert.deepEqual(
        result.publications.map((p) => p.data),
        ['{"n":3}', '{"n":4}', '{"n":5}'],
      );
      assert.equal(result.position.offset, 5);
      assert.deepEqual(await read(a, channel, { limit: -1, since: { offset: 1 } }), [3, 4, 5]);
      assert.deepEqual(await read(a, channel, { limit: -1, reverse: true }), [5, 4, 3]);
    });

    it('drops publications ttlMs after the last publish, keeping the position', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('ttl');
      const history = { ...HISTORY, ttlMs: 400 };
      await a.broker.publish(channel, numbered(1), { history });
      await sleep(250);
      await a.broker.publish(channel, numbered(2), { history });
      await sleep(250);
      // 500 ms after the first publish but 250 ms after the last: the ttl counts from the last.
      const kept = await a.history.history(channel, { limit: -1 }, META_TTL_MS);
      assert.deepEqual(offsets(kept.publications), [1, 2]);
      await sleep(450);
      const expired = await a.history.history(channel, { limit: -1 }, META_TTL_MS);
      assert.deepEqual(expired.publications, []);
      assert.deepEqual(expired.position, kept.position);
      const next = await a.broker.publish(channel, numbered(3), { history });
      assert.deepEqual(next.position, { offset: 3, epoch: kept.position.epoch });
    });

    it('removes publications but keeps offset and epoch', async () => {
      const [a, b] = await createCluster(factory, 2);
      const channel = uniqueChannel('remove');
      await publishNumbered(a, channel, 3);
      const before = await a.history.history(channel, { limit: 0 }, META_TTL_MS);
      await b.history.remove(channel);
      const after = await a.history.history(channel, { limit: -1 }, META_TTL_MS);
      assert.deepEqual(after.publications, []);
      assert.deepEqual(after.position, before.position);
      const next = await a.broker.publish(channel, numbered(4), { history: HISTORY });
      assert.deepEqual(next.position, { offset: 4, epoch: before.position.epoch });
      assert.deepEqual(await read(a, channel, { limit: -1 }), [4]);
      await b.history.remove(uniqueChannel('remove-unknown'));
    });

    it('forgets the stream meta after metaTtlMs without activity: new epoch, offset 0', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('meta-ttl');
      const history = { size: 10, ttlMs: 100, metaTtlMs: 300 };
      await a.broker.publish(channel, numbered(1), { history });
      const old = await a.broker.publish(channel, numbered(2), { history });
      assert.equal(old.position?.offset, 2);
      await sleep(700);
      const lost = await a.history.history(channel, { limit: -1 }, history.metaTtlMs);
      assert.deepEqual(lost.publications, []);
      assert.equal(lost.position.offset, 0);
      assert.notEqual(lost.position.epoch, old.position?.epoch, 'a lost stream must get a new epoch');
      const next = await a.broker.publish(channel, numbered(3), { history });
      assert.equal(next.position?.offset, 1);
      // Not compared with lost's epoch: with a 300 ms meta ttl the epoch of a stream without a record
      // changes every 150 ms, and the read and the publish may fall on either side of a change.
      assert.notEqual(next.position?.epoch, old.position?.epoch);
    });

    it('rejects reads after close', async () => {
      const [a] = await createCluster(factory, 1);
      await a.close();
      await assert.rejects(a.history.history(uniqueChannel('closed'), { limit: 0 }, META_TTL_MS));
      await assert.rejects(a.history.remove(uniqueChannel('closed')));
    });
  });
}
