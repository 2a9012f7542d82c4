/**
 * Runs the engine conformance suites against a real standalone redis-server, several engines on
 * one server as the nodes of one cluster; then checks what is specific to the Redis engine: the
 * stored layout and ttls, error codes, handler errors, foreign messages, awkward channel names.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRedisEngine, KeySpace } from '../../src/engine/redis/index.js';
import type { BrokerEvent } from '../../src/engine/types.js';
import { brokerConformance } from '../conformance/broker-suite.js';
import { EventRecorder, numbered } from '../conformance/event-recorder.js';
import { clientInfo, uniqueChannel } from '../conformance/helpers.js';
import { historyConformance } from '../conformance/history-suite.js';
import { presenceConformance } from '../conformance/presence-suite.js';
import { stateConformance } from '../conformance/state-suite.js';
import { unicodeConformance } from '../conformance/unicode-suite.js';
import { type RedisServer, redisCommand, startRedis, waitFor } from '../harness/index.js';
import { redisConfig, redisFactory, uniquePrefix } from '../harness/redis-engines.js';
import { restartConformance } from './redis-restart-suite.js';
import { storedKeys } from './redis-stored.js';

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const prefix = uniquePrefix('standalone');
const factory = () => redisFactory(() => ({ config: redisConfig({ address: redis.url, prefix }) }));
const inspected = () =>
  Object.assign(factory(), { stored: (channel: string) => storedKeys([redis.port], prefix, channel) });

brokerConformance('redis standalone', factory());
historyConformance('redis standalone', factory());
presenceConformance('redis standalone', factory());
stateConformance('redis standalone', inspected());
unicodeConformance('redis standalone', inspected());

describe('redis standalone with an append-only file', () => {
  // Its own server, whose data a restart keeps (the shared one keeps nothing on disk).
  let durable: RedisServer;
  before(async () => {
    durable = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
  });
  after(async () => {
    await durable.stop();
  });
  restartConformance('redis standalone', {
    factory: redisFactory(() => ({ config: redisConfig({ address: durable.url, prefix }) })),
    restartKeepingData: () => durable.restartKeepingData(),
    restartWithoutData: () => durable.restart(),
    flush: async () => {
      await redisCommand(durable.port, ['FLUSHALL']);
    },
  });
});

describe('redis standalone: engine specifics', () => {
  const nodes = factory();
  const keys = new KeySpace(prefix);
  const history = { size: 3, ttlMs: 30_000, metaTtlMs: 120_000 };
  afterEach(async () => {
    await nodes.cleanup();
  });

  it('stores a stream with ids <offset>-0 trimmed to size, meta with epoch and offset, and their ttls', async () => {
    const [a] = await nodes.create(1);
    const channel = uniqueChannel('layout');
    let epoch = '';
    for (let n = 1; n <= 5; n++)
      epoch = (await a!.broker.publish(channel, numbered(n), { history })).position!.epoch;
    const k = keys.channel(channel);
    const entries = await redisCommand(redis.port, ['XRANGE', k.stream, '-', '+']);
    assert.deepEqual(entries, [
      ['3-0', ['d', '0:{"n":3}']],
      ['4-0', ['d', '0:{"n":4}']],
      ['5-0', ['d', '0:{"n":5}']],
    ]);
    assert.deepEqual(await redisCommand(redis.port, ['HGETALL', k.meta]), ['e', epoch, 'o', '5']);
    const streamTtl = Number(await redisCommand(redis.port, ['PTTL', k.stream]));
    const metaTtl = Number(await redisCommand(redis.port, ['PTTL', k.meta]));
    assert.ok(streamTtl > 29_000 && streamTtl <= 30_000, `stream ttl ${streamTtl}`);
    assert.ok(metaTtl > 119_000 && metaTtl <= 120_000, `meta ttl ${metaTtl}`);
    // A read changes no ttl, shorter or longer: only publishing keeps a stream's keys alive.
    await a!.history.history(channel, { limit: 0 }, 1000);
    await a!.history.history(channel, { limit: 0 }, 3_600_000);
    const afterReads = Number(await redisCommand(redis.port, ['PTTL', k.meta]));
    assert.ok(afterReads > 118_000 && afterReads <= metaTtl, `meta ttl after reads ${afterReads}`);
  });

  it('writes no key when a channel that was never published is read', async () => {
    const [a] = await nodes.create(1);
    for (let i = 0; i < 200; i++) {
      await a!.history.history(uniqueChannel('unpublished'), { limit: -1 }, 60_000);
    }
    assert.deepEqual(await redisCommand(redis.port, ['KEYS', `${prefix}:{conformance:unpublished:*`]), []);
  });

  it('handles channels and idempotency keys with braces, colons, backslashes, multibyte and the empty name', async () => {
    const [a, b] = await nodes.create(2);
    const ra = await EventRecorder.start(a!.broker);
    const channels = ['', '}', 'a}:s', 'a', '\\', '{x}', `😀:${uniqueChannel('odd')}`];
    await a!.broker.subscribe(channels);
    for (const channel of channels) {
      const first = await b!.broker.publish(channel, numbered(1), { history, idempotencyKey: '}:i:x' });
      assert.equal(first.suppressed, false, JSON.stringify(channel));
    }
    for (const channel of channels) {
      const [event] = await ra.waitForPublications(channel, 1);
      assert.equal(event!.pub.data, '{"n":1}');
      const read = await b!.history.history(channel, { limit: -1 }, 60_000);
      assert.deepEqual(
        read.publications.map((p) => p.data),
        ['{"n":1}'],
        JSON.stringify(channel),
      );
    }
  });

  it('reports a throwing handler and keeps delivering', async () => {
    const errors: unknown[] = [];
    const config = redisConfig({ address: redis.url, prefix });
    const a = await createRedisEngine({ config, onHandlerError: (error) => errors.push(error) });
    const [b] = await nodes.create(1);
    try {
      const seen: BrokerEvent[] = [];
      await a.broker.start((event) => {
        seen.push(event);
        throw new Error('handler bug');
      });
      const channel = uniqueChannel('throws');
      await a.broker.subscribe([channel]);
      await b!.broker.publish(channel, numbered(1));
      await b!.broker.publish(channel, numbered(2));
      await waitFor(() => seen.length === 2, 'both events');
      assert.equal(errors.length, 2);
    } finally {
      await a.close();
    }
  });

  it('drops and reports messages that are not in the envelope format', async () => {
    const errors: unknown[] = [];
    const config = redisConfig({ address: redis.url, prefix });
    const a = await createRedisEngine({ config, onError: (error) => errors.push(error) });
    try {
      const ra = await EventRecorder.start(a.broker);
      const channel = uniqueChannel('foreign');
      await a.broker.subscribe([channel]);
      await redisCommand(redis.port, ['PUBLISH', keys.topic(channel), 'not an envelope']);
      await redisCommand(redis.port, ['PUBLISH', keys.topic(channel), 'p::0:{"ok":true}']);
      await ra.waitForPublications(channel, 1);
      assert.equal(ra.events.length, 1);
      assert.equal((errors[0] as { code?: string }).code, 'ENGINE_BAD_ENVELOPE');
    } finally {
      await a.close();
    }
  });

  it('rejects with stable codes: closed, not started, invalid arguments and config', async () => {
    const [a] = await nodes.create(1);
    await assert.rejects(a!.broker.subscribe(['ch']), { code: 'BROKER_NOT_STARTED' });
    await a!.broker.start(() => {});
    await assert.rejects(
      a!.broker.start(() => {}),
      { code: 'BROKER_ALREADY_STARTED' },
    );
    const invalid = { code: 'ENGINE_INVALID_ARGUMENT' };
    await assert.rejects(a!.broker.publish('ch', numbered(1), { history: { ...history, size: 0 } }), invalid);
    await assert.rejects(
      a!.broker.publish('ch', numbered(1), { idempotencyKey: 'k', idempotencyTtlMs: 0 }),
      invalid,
    );
    await assert.rejects(a!.history.history('ch', { limit: -2 }, 1000), invalid);
    await assert.rejects(a!.presence.add('ch', clientInfo('u', 'c'), 0), invalid);
    await assert.rejects(
      createRedisEngine({ config: redisConfig({ address: redis.url, prefix: 'a{b}' }) }),
      invalid,
    );
    await assert.rejects(createRedisEngine({ config: redisConfig({ address: '' }) }), invalid);
    await assert.rejects(
      createRedisEngine({ config: redisConfig({ cluster_address: ['h:1'], sentinel_address: ['h:2'] }) }),
      invalid,
    );
    await assert.rejects(createRedisEngine({ config: redisConfig({ cluster_address: ['nope'] }) }), invalid);
    await a!.close();
    const closed = { code: 'ENGINE_CLOSED' };
    await assert.rejects(a!.broker.publish('ch', numbered(1)), closed);
    await assert.rejects(a!.broker.publishLeave('ch', clientInfo('u', 'c')), closed);
    await assert.rejects(a!.history.history('ch', { limit: 0 }, 1000), closed);
    await assert.rejects(a!.presence.stats('ch'), closed);
  });

  it('accepts Infinity ttls as "never expire"', async () => {
    const [a] = await nodes.create(1);
    const channel = uniqueChannel('forever');
    const forever = { size: 5, ttlMs: Number.POSITIVE_INFINITY, metaTtlMs: Number.POSITIVE_INFINITY };
    await a!.broker.publish(channel, numbered(1), { history: forever });
    await a!.presence.add(channel, clientInfo('u', 'c'), Number.POSITIVE_INFINITY);
    const k = keys.channel(channel);
    for (const key of [k.stream, k.meta, k.presence, k.presenceExpiry]) {
      assert.equal(await redisCommand(redis.port, ['PTTL', key]), -1, key);
    }
    assert.deepEqual(await a!.presence.stats(channel), { numClients: 1, numUsers: 1 });
  });
});
