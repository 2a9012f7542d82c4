/**
 * The position check: subscriptions that track their stream position are compared with the
 * stream's top (a memory engine's history here; its broker's deliveries never reach the hub, so
 * every publication is one the subscriptions missed). One behind is told after a grace, one on
 * another epoch at once; a failed read is tried again until it works; `every()` repeats the check.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { EngineUnavailableError } from '../../../src/engine/errors.js';
import { createMemoryEngine, type MemoryEngine } from '../../../src/engine/memory/index.js';
import type { HistoryStore } from '../../../src/engine/types.js';
import type { ClientSubscription } from '../../../src/gateway/client-subscription.js';
import { Hub } from '../../../src/gateway/hub.js';
import { NodeCounters } from '../../../src/gateway/node-counters.js';
import { GRACE_MS, PositionChecks } from '../../../src/gateway/position-check.js';
import { silentLogger } from '../../../src/log.js';
import { sleep } from '../../harness/wait.js';
import {
  CHANNEL_OPTIONS,
  RecordingBroker,
  type RecordingSubscriber,
  subscriber,
  subscription,
} from './fixtures.js';

/** The stream's meta ttl is the subscriptions' (the epoch of a stream not yet published depends on it). */
const HISTORY = { size: 100, ttlMs: 60_000, metaTtlMs: CHANNEL_OPTIONS.history_meta_ttl };

/** A history store that fails its next `failures` reads, as Redis does while it reconnects. */
class FlakyHistory implements HistoryStore {
  failures = 0;
  reads = 0;
  constructor(private readonly inner: HistoryStore) {}
  history(...args: Parameters<HistoryStore['history']>): ReturnType<HistoryStore['history']> {
    this.reads++;
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new EngineUnavailableError('Redis is unavailable (test)'));
    }
    return this.inner.history(...args);
  }
  remove(channel: string): Promise<void> {
    return this.inner.remove(channel);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('position checks', () => {
  let engine: MemoryEngine;
  let history: FlakyHistory;
  let hub: Hub;
  let checks: PositionChecks;

  beforeEach(async () => {
    engine = createMemoryEngine();
    await engine.broker.start(() => undefined);
    history = new FlakyHistory(engine.history);
    hub = new Hub(new RecordingBroker(), new NodeCounters());
    checks = new PositionChecks({ hub, history, log: silentLogger() });
  });
  afterEach(async () => {
    checks.stop();
    hub.conflator.close();
    await engine.close();
  });

  async function publish(channel: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await engine.broker.publish(channel, { data: `${i}` }, { history: HISTORY });
    }
  }

  /** A recoverable subscription of `conn` to `channel`, at the stream's current top. */
  async function subscribedAtTop(conn: RecordingSubscriber, channel: string): Promise<ClientSubscription> {
    const sub = subscription(conn, channel, { recoverable: true });
    const { position } = await engine.history.history(channel, { limit: 0 }, HISTORY.metaTtlMs);
    sub.offset = position.offset;
    sub.epoch = position.epoch;
    await hub.add(sub);
    return sub;
  }

  /** A subscription of a connection to `news` that then missed `missed` publications. */
  async function behindBy(missed: number): Promise<{ conn: RecordingSubscriber; sub: ClientSubscription }> {
    const conn = subscriber('a');
    const sub = await subscribedAtTop(conn, 'news');
    await publish('news', missed);
    return { conn, sub };
  }

  it('tells a subscription behind its stream after the grace, and leaves one that caught up or is at the top', async () => {
    await publish('news', 2);
    const [behind, catching, atTop, plain] = ['a', 'b', 'c', 'd'].map((id) => subscriber(id));
    const subBehind = await subscribedAtTop(behind!, 'news');
    const subCatching = await subscribedAtTop(catching!, 'news');
    await subscribedAtTop(atTop!, 'news');
    await hub.add(subscription(plain!, 'news'));
    await publish('news', 1);
    // `atTop` got the publication in time; `catching` gets it during the grace.
    hub.subscribers('news').find((s) => s.conn === atTop)!.offset = 3;
    const started = Date.now();
    const check = checks.checkAll();
    await sleep(GRACE_MS / 4);
    assert.deepEqual(behind!.lost, [], 'not told before the grace is over');
    subCatching.offset = 3;
    await check;
    assert.ok(Date.now() - started >= GRACE_MS - 10, 'told after the grace');
    assert.deepEqual(behind!.lost, [subBehind]);
    assert.deepEqual(catching!.lost, []);
    assert.deepEqual(atTop!.lost, []);
    assert.deepEqual(plain!.lost, [], 'a subscription that tracks no position is not checked');
  });

  it('tells a subscription whose stream changed epoch at once', async () => {
    await publish('news', 1);
    const conn = subscriber('a');
    const sub = await subscribedAtTop(conn, 'news');
    sub.epoch = 'another';
    await checks.checkAll();
    assert.deepEqual(conn.lost, [sub]);
  });

  it('tries a failed read again until it works, then tells the subscription that fell behind', async () => {
    const { conn, sub } = await behindBy(3);
    history.failures = 4;
    await checks.checkAll();
    assert.equal(history.reads, 5, 'four failed reads and the one that worked');
    assert.deepEqual(conn.lost, [sub]);
  });

  it('stops retrying once stopped, and a newer round takes over from an older one', async () => {
    const { conn, sub } = await behindBy(1);
    history.failures = 1_000;
    const older = checks.checkAll();
    await sleep(50);
    history.failures = 0;
    await checks.checkAll();
    await older;
    assert.deepEqual(conn.lost, [sub], 'told once, by the newer round');

    history.failures = 1_000;
    const retrying = checks.checkAll();
    await sleep(50);
    checks.stop();
    await retrying;
    assert.ok(history.failures > 990, 'no read after stop');
  });

  it('leaves a failed read of a periodic round to the next round', async () => {
    const conn = subscriber('a');
    await subscribedAtTop(conn, 'news');
    history.failures = 1_000;
    await checks.checkAll({ retry: false });
    assert.equal(history.reads, 1);
  });

  it('reads more channels than it has reads in flight and waits one grace for all of them', async () => {
    const conns = Array.from({ length: 300 }, (_, i) => subscriber(`c${i}`));
    for (const [i, conn] of conns.entries()) {
      await subscribedAtTop(conn, `room-${i}`);
      await publish(`room-${i}`, 1);
    }
    const started = Date.now();
    await checks.checkAll();
    assert.ok(Date.now() - started < 2 * GRACE_MS, `took ${Date.now() - started} ms`);
    assert.equal(conns.filter((c) => c.lost.length === 1).length, 300);
  });

  it('lets a round retrying after an interruption finish before the next periodic round', async () => {
    const { conn, sub } = await behindBy(1);
    history.failures = 1_000;
    const retrying = checks.checkAll();
    checks.every(50);
    await sleep(700);
    const reads = history.reads;
    history.failures = 0;
    await retrying;
    assert.ok(reads >= 3, `retried meanwhile (${reads} reads)`);
    assert.equal(conn.lost[0], sub, 'the retrying round told it');
  });

  it('checks every interval without being asked', async () => {
    const conn = subscriber('a');
    const sub = await subscribedAtTop(conn, 'news');
    checks.every(100);
    await sleep(250);
    assert.deepEqual(conn.lost, [], 'at the top: nothing to tell');
    await publish('news', 1);
    const deadline = Date.now() + GRACE_MS + 2_000;
    while (conn.lost.length === 0 && Date.now() < deadline) await sleep(20);
    // The stand-in connection stays in the hub when told, so later rounds may tell it again.
    assert.equal(conn.lost[0], sub);
  });
});
