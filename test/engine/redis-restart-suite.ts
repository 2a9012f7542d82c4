/**
 * What the position of a channel survives on Redis, for one deployment (standalone, cluster): the
 * epoch of a channel that was never published is derived from a seed stored in Redis, so it
 * survives exactly what the data survives. A restart that keeps the data (AOF, RDB) keeps it, and
 * a client that read the position before recovers what was published after (`recovered: true`);
 * a restart without the data or a flush changes it, so a client holding the old epoch is told
 * `recovered: false` instead of being handed a stream it cannot have seen all of.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Engine, HistoryOptions } from '../../src/engine/types.js';
import { createCluster, type EngineFactory } from '../conformance/engine-factory.js';
import { numbered } from '../conformance/event-recorder.js';
import { uniqueChannel } from '../conformance/helpers.js';
import { waitFor } from '../harness/index.js';

/**
 * The epoch of an unpublished channel also changes with a window of half the meta ttl
 * (`stream-epoch.ts`). A restart takes seconds, and with a 10-minute ttl (5-minute windows) about one
 * run in a hundred read the position on either side of a window's edge and saw the epoch change for
 * that reason, not the restart's. With 30 days (Centrifugo's default `history_meta_ttl`) the windows
 * are 15 days long, so a read pair a few seconds apart straddles an edge about once in 100,000 runs.
 */
const META_TTL_MS = 30 * 24 * 3_600_000;
const HISTORY: HistoryOptions = { size: 10, ttlMs: 60_000, metaTtlMs: META_TTL_MS };

/** The deployment under test, and how to make the server that owns a channel restart or forget. */
export interface RestartTarget {
  factory: EngineFactory;
  /** Restarts the server that owns `channel`, keeping its data; resolves once it serves again. */
  restartKeepingData(channel: string): Promise<void>;
  /** Restarts the server that owns `channel` with no data; resolves once it serves again. */
  restartWithoutData(channel: string): Promise<void>;
  /** FLUSHALL on the server that owns `channel`. */
  flush(channel: string): Promise<void>;
}

/** How long a call is retried while the engine reconnects (`waitFor` retries what rejects). */
const RECONNECT_TIMEOUT_MS = 15_000;

/** The position of `channel` as a subscriber reads it, retried while the engine reconnects. */
function position(engine: Engine, channel: string): Promise<{ offset: number; epoch: string }> {
  return waitFor(
    async () => (await engine.history.history(channel, { limit: 0 }, META_TTL_MS)).position,
    `reading the position of ${channel}`,
    RECONNECT_TIMEOUT_MS,
  );
}

export function restartConformance(name: string, target: RestartTarget): void {
  describe(`${name}: the position of an unpublished channel across restarts`, () => {
    afterEach(async () => {
      await target.factory.cleanup();
    });

    it('keeps it across a restart that keeps the data: the first publish after continues it', async () => {
      const [a, b] = await createCluster(target.factory, 2);
      const channel = uniqueChannel('restart-kept');
      const before = await position(a, channel);
      assert.equal(before.offset, 0);
      await target.restartKeepingData(channel);
      assert.deepEqual(await position(b, channel), before, 'read again after the restart');
      // Idempotent, so a retry after a publish that ran but whose reply was lost cannot add one.
      const published = await waitFor(
        () => b.broker.publish(channel, numbered(1), { history: HISTORY, idempotencyKey: 'first' }),
        'publishing after the restart',
        RECONNECT_TIMEOUT_MS,
      );
      assert.deepEqual(published.position, { offset: 1, epoch: before.epoch }, 'same epoch: recovered');
      const recovery = await a.history.history(channel, { limit: -1, since: { offset: 0 } }, META_TTL_MS);
      assert.deepEqual(recovery.position, { offset: 1, epoch: before.epoch });
      assert.deepEqual(
        recovery.publications.map((p) => p.data),
        ['{"n":1}'],
      );
    });

    const losses: [string, (channel: string) => Promise<void>][] = [
      ['a restart without the data', (channel) => target.restartWithoutData(channel)],
      ['FLUSHALL', (channel) => target.flush(channel)],
    ];
    for (const [loss, lose] of losses) {
      it(`changes it after ${loss}: a client holding the old epoch is not recovered`, async () => {
        const [a, b] = await createCluster(target.factory, 2);
        const channel = uniqueChannel('restart-lost');
        const seen = await position(a, channel);
        // Published while the client was away, then lost: the client must not be told it missed nothing.
        const published = await b.broker.publish(channel, numbered(1), { history: HISTORY });
        assert.deepEqual(published.position, { offset: 1, epoch: seen.epoch });
        await lose(channel);
        const after = await position(a, channel);
        assert.equal(after.offset, 0);
        assert.notEqual(after.epoch, seen.epoch, 'the epoch changed, so recovery answers recovered: false');
        assert.deepEqual(await position(b, channel), after, 'every node reads the new epoch');
        const next = await b.broker.publish(channel, numbered(2), { history: HISTORY });
        assert.deepEqual(next.position, { offset: 1, epoch: after.epoch }, 'and the next publish stores it');
      });
    }
  });
}
