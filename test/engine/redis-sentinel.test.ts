/**
 * Runs the engine conformance suites through Redis Sentinel (a master, a replica, three
 * sentinels), then fails over and checks that the engines keep publishing and delivering, and that
 * the position of a channel never published stays (its seed is replicated with the data).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { KeySpace } from '../../src/engine/redis/index.js';
import type { HistoryOptions } from '../../src/engine/types.js';
import { brokerConformance } from '../conformance/broker-suite.js';
import { EventRecorder, numbered } from '../conformance/event-recorder.js';
import { uniqueChannel } from '../conformance/helpers.js';
import { historyConformance } from '../conformance/history-suite.js';
import { presenceConformance } from '../conformance/presence-suite.js';
import { stateConformance } from '../conformance/state-suite.js';
import { unicodeConformance } from '../conformance/unicode-suite.js';
import {
  REDIS_START_TIMEOUT_MS,
  type RedisSentinelHandle,
  redisCommand,
  startRedisSentinel,
  waitFor,
} from '../harness/index.js';
import { redisConfig, redisFactory, uniquePrefix } from '../harness/redis-engines.js';
import { storedKeys } from './redis-stored.js';

let sentinel: RedisSentinelHandle;
before(async () => {
  sentinel = await startRedisSentinel();
});
after(async () => {
  await sentinel.stop();
});

const prefix = uniquePrefix('sentinel');
const factory = () =>
  redisFactory(() => ({
    config: redisConfig({
      sentinel_address: sentinel.sentinelAddresses,
      sentinel_master_name: sentinel.masterName,
      prefix,
      command_timeout: 1000,
    }),
  }));

const inspected = () =>
  Object.assign(factory(), {
    stored: async (channel: string) => storedKeys([await sentinel.masterPort()], prefix, channel),
  });

brokerConformance('redis sentinel', factory());
historyConformance('redis sentinel', factory());
presenceConformance('redis sentinel', factory());
stateConformance('redis sentinel', inspected());
unicodeConformance('redis sentinel', inspected());

const HISTORY: HistoryOptions = { size: 100, ttlMs: 60_000, metaTtlMs: 600_000 };

/** How long a call is retried while the engine reconnects (`waitFor` retries what rejects). */
const RECONNECT_TIMEOUT_MS = 15_000;

describe('redis sentinel: failover', () => {
  const nodes = factory();
  afterEach(async () => {
    await nodes.cleanup();
  });

  it('keeps publishing and delivering after the master fails over, and the positions read before', async () => {
    const [a, b] = await nodes.create(2);
    const [ra, rb] = [await EventRecorder.start(a!.broker), await EventRecorder.start(b!.broker)];
    const channel = uniqueChannel('failover');
    // Read first, so the replica has the seed of its epoch once it has the stream written after.
    const unpublished = uniqueChannel('failover-unpublished');
    const seen = (await a!.history.history(unpublished, { limit: 0 }, 600_000)).position;
    await a!.broker.subscribe([channel]);
    let epoch = '';
    for (let n = 1; n <= 3; n++) {
      const result = await b!.broker.publish(channel, numbered(n), { history: HISTORY });
      epoch = result.position!.epoch;
    }
    await ra.waitForPublications(channel, 3);
    // Replication is asynchronous: fail over only once the replica has the stream, so the test
    // checks the engine, not Redis' replication lag.
    const meta = new KeySpace(prefix).channel(channel).meta;
    const replicaPort = await sentinel
      .masterPort()
      .then((master) => (master === sentinel.master.port ? sentinel.replica.port : sentinel.master.port));
    await waitFor(
      async () => (await redisCommand(replicaPort, ['HGET', meta, 'o'])) === '3',
      'the replica to have the stream',
      REDIS_START_TIMEOUT_MS,
    );

    const before = await sentinel.masterPort();
    const after = await sentinel.failover();
    assert.notEqual(after, before);

    // Both nodes follow: the subscribers move to the new master and say so.
    for (const recorder of [ra, rb]) {
      await waitFor(() => recorder.events.some((e) => e.type === 'resubscribed'), 'resubscribed', 15_000);
    }
    const next = await waitFor(
      () => b!.broker.publish(channel, numbered(4), { history: HISTORY }),
      'publish after failover',
      RECONNECT_TIMEOUT_MS,
    );
    assert.deepEqual(next.position, { offset: 4, epoch }, 'the stream continues on the new master');
    const [, , , fourth] = await ra.waitForPublications(channel, 4, 15_000);
    assert.equal(fourth!.pub.data, '{"n":4}');
    const history = await waitFor(
      () => a!.history.history(channel, { limit: -1 }, 600_000),
      'history after failover',
      RECONNECT_TIMEOUT_MS,
    );
    assert.deepEqual(
      history.publications.map((p) => p.offset),
      [1, 2, 3, 4],
    );
    await a!.broker.publishControl('{"after":"failover"}');
    await rb.waitForControl('{"after":"failover"}');
    // The seed was replicated: a channel never published keeps its position on the new master.
    const read = await b!.history.history(unpublished, { limit: 0 }, 600_000);
    assert.deepEqual(read.position, seen, 'the position of a channel never published');
    const first = await b!.broker.publish(unpublished, numbered(1), { history: HISTORY });
    assert.deepEqual(first.position, { offset: 1, epoch: seen.epoch }, 'and its first publish continues it');
  });
});
