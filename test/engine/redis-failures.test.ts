/**
 * The Redis engine when Redis fails: killed (calls reject fast, then a restart with empty data is
 * followed by `resubscribed`, delivery without a new subscribe, and a new epoch), paused with
 * SIGSTOP (calls fail fast instead of hanging), and unreachable at start.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRedisEngine } from '../../src/engine/redis/index.js';
import type { Engine, HistoryOptions } from '../../src/engine/types.js';
import { EventRecorder, numbered } from '../conformance/event-recorder.js';
import { uniqueChannel } from '../conformance/helpers.js';
import { freePort, type RedisServer, startRedis, waitFor } from '../harness/index.js';
import { redisConfig, redisFactory, uniquePrefix } from '../harness/redis-engines.js';

const COMMAND_TIMEOUT_MS = 500;
/** What "fast" means: the command timeout plus scheduling slack. */
const FAST_MS = COMMAND_TIMEOUT_MS + 500;
const HISTORY: HistoryOptions = { size: 100, ttlMs: 60_000, metaTtlMs: 600_000 };
const UNAVAILABLE = { code: 'ENGINE_UNAVAILABLE' };

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const prefix = uniquePrefix('failures');
const factory = redisFactory(() => ({
  config: redisConfig({ address: redis.url, prefix, command_timeout: COMMAND_TIMEOUT_MS }),
  healthCheckIntervalMs: 200,
}));
afterEach(async () => {
  redis.resume();
  await factory.cleanup();
});

/** Runs `call`, asserts it rejects with EngineUnavailableError, and returns how long that took. */
async function rejectsUnavailable(what: string, call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await assert.rejects(call(), UNAVAILABLE, what);
  const took = performance.now() - start;
  assert.ok(took < FAST_MS, `${what} took ${Math.round(took)} ms to fail, expected under ${FAST_MS} ms`);
  return took;
}

/**
 * Every kind of call, each expected to fail with EngineUnavailableError; returns how long each of
 * the calls on the command connection took (subscribe, on the subscriber connection, is last).
 */
async function everyCallFails(engine: Engine, channel: string): Promise<number[]> {
  const took = [
    await rejectsUnavailable('publish with history', () =>
      engine.broker.publish(channel, numbered(0), { history: HISTORY }),
    ),
    await rejectsUnavailable('publish', () => engine.broker.publish(channel, numbered(0))),
    await rejectsUnavailable('publishJoin', () =>
      engine.broker.publishJoin(channel, { user: 'u', client: 'c' }),
    ),
    await rejectsUnavailable('publishControl', () => engine.broker.publishControl('{}')),
    await rejectsUnavailable('history', () => engine.history.history(channel, { limit: -1 }, 60_000)),
    await rejectsUnavailable('history remove', () => engine.history.remove(channel)),
    await rejectsUnavailable('presence add', () =>
      engine.presence.add(channel, { user: 'u', client: 'c' }, 60_000),
    ),
    await rejectsUnavailable('presence', () => engine.presence.presence(channel)),
    await rejectsUnavailable('presence stats', () => engine.presence.stats(channel)),
  ];
  await rejectsUnavailable('subscribe', () => engine.broker.subscribe([uniqueChannel('new')]));
  return took;
}

/** How long a call is retried while the engine reconnects (`waitFor` retries what rejects). */
const RECONNECT_TIMEOUT_MS = 10_000;

describe('redis engine: Redis killed and restarted empty', () => {
  it('rejects every call fast, then resubscribes and starts a new epoch after the restart', async () => {
    const [a, b] = await factory.create(2);
    const [ra, rb] = [await EventRecorder.start(a!.broker), await EventRecorder.start(b!.broker)];
    const channel = uniqueChannel('restart');
    await a!.broker.subscribe([channel]);
    const before = await b!.broker.publish(channel, numbered(1), { history: HISTORY });
    assert.equal(before.position?.offset, 1);
    await ra.waitForPublications(channel, 1);

    await redis.kill();
    await everyCallFails(b!, channel);
    await everyCallFails(a!, channel);

    await redis.restart();
    for (const recorder of [ra, rb]) {
      await waitFor(() => recorder.events.some((e) => e.type === 'resubscribed'), 'resubscribed', 10_000);
    }
    const next = await waitFor(
      () => b!.broker.publish(channel, numbered(2), { history: HISTORY }),
      'publish after restart',
      RECONNECT_TIMEOUT_MS,
    );
    assert.equal(next.position?.offset, 1, 'the stream was lost: offsets start over');
    assert.notEqual(next.position?.epoch, before.position?.epoch, 'a lost stream gets a new epoch');
    // Delivered to a without a new subscribe call.
    const events = await ra.waitForPublications(channel, 2);
    assert.deepEqual(
      events.map((e) => [e.pub.data, e.pub.offset, e.epoch]),
      [
        ['{"n":1}', 1, before.position?.epoch],
        ['{"n":2}', 1, next.position?.epoch],
      ],
    );
    // Control messages reach every node again too.
    await a!.broker.publishControl('{"after":"restart"}');
    await rb.waitForControl('{"after":"restart"}');
  });
});

describe('redis engine: Redis paused (SIGSTOP)', () => {
  it('fails calls fast while paused and works again after resume', async () => {
    const [a, b] = await factory.create(2);
    const ra = await EventRecorder.start(a!.broker);
    await EventRecorder.start(b!.broker);
    const channel = uniqueChannel('pause');
    await a!.broker.subscribe([channel]);
    const first = await b!.broker.publish(channel, numbered(1), { history: HISTORY });
    await ra.waitForPublications(channel, 1);

    redis.pause();
    // The first call waits for the command timeout; it drops the silent connection, so the
    // calls after it fail at once instead of each waiting for the timeout again.
    const took = await everyCallFails(b!, channel);
    const later = took.slice(1);
    assert.ok(
      later.every((ms) => ms < 100),
      `calls after the first timeout must fail at once, took ${later.map(Math.round).join(', ')} ms`,
    );

    // A subscribe on a while paused times out (or finds the connection already dropped by the
    // probe): either way a's subscriber connection is replaced, deterministically.
    await rejectsUnavailable('subscribe on a', () => a!.broker.subscribe([uniqueChannel('paused')]));

    redis.resume();
    // a's subscriber comes back on its own, subscribes everything again and says so.
    await waitFor(
      () => ra.events.some((e) => e.type === 'resubscribed'),
      'resubscribed after resume',
      10_000,
    );
    const next = await waitFor(
      () => b!.broker.publish(channel, numbered(2), { history: HISTORY }),
      'publish after resume',
      RECONNECT_TIMEOUT_MS,
    );
    // The data survived the pause: same stream. The publish that timed out had reached the
    // server's socket and may have run after the resume (a timeout means "maybe done"), so the
    // next offset is 2 or 3 — but the stream stays gapless and every node sees all of it.
    assert.equal(next.position?.epoch, first.position?.epoch);
    const top = next.position!.offset;
    assert.ok(top === 2 || top === 3, `offset ${top}`);
    const expected = Array.from({ length: top }, (_, i) => i + 1);
    // Delivered live again. A publish that ran at the resume, before a resubscribed, was lost
    // live — that is what `resubscribed` tells the node — but is in the history.
    await waitFor(
      () => ra.publications(channel).some((e) => e.pub.offset === top),
      'the publication after resume',
    );
    const history = await a!.history.history(channel, { limit: -1 }, 60_000);
    assert.deepEqual(
      history.publications.map((p) => p.offset),
      expected,
    );
  });

  it('lets an idle node notice the pause through its health check', async () => {
    const [a] = await factory.create(1);
    const ra = await EventRecorder.start(a!.broker);
    redis.pause();
    // Longer than a probe interval plus the command timeout: the probe has dropped the connection.
    await new Promise((resolve) => setTimeout(resolve, 200 + COMMAND_TIMEOUT_MS + 300));
    const took = await rejectsUnavailable('history', () =>
      a!.history.history(uniqueChannel('idle'), { limit: 0 }, 1000),
    );
    assert.ok(took < 100, `an idle node failed after ${Math.round(took)} ms, expected at once`);
    redis.resume();
    // The subscriber was probed too: it reconnects, subscribes again and says so.
    await waitFor(
      () => ra.events.some((e) => e.type === 'resubscribed'),
      'resubscribed after resume',
      10_000,
    );
    await waitFor(
      () => a!.history.history(uniqueChannel('idle'), { limit: 0 }, 1000),
      'history after resume',
      RECONNECT_TIMEOUT_MS,
    );
  });
});

describe('redis engine: Redis unreachable at start', () => {
  it('rejects createRedisEngine with EngineUnavailableError after connectTimeoutMs', async () => {
    const port = await freePort();
    const start = performance.now();
    await assert.rejects(
      createRedisEngine({
        config: redisConfig({ address: `redis://127.0.0.1:${port}`, prefix, command_timeout: 200 }),
        connectTimeoutMs: 300,
      }),
      UNAVAILABLE,
    );
    assert.ok(performance.now() - start < 1000);
  });
});
