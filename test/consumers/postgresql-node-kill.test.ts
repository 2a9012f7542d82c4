/**
 * A node SIGKILLed while it consumes a stream of outbox rows (`use_try_lock`: the nodes take the
 * partitions' advisory locks without waiting). Its open transaction dies with its connections, so
 * the rows of its batch stay in the outbox and the other node applies them again; the idempotency
 * keys (`<consumer>:outbox:<id>`) keep every client, on the surviving node and on the killed one
 * once restarted (recovering from history), at exactly once and in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, type RedisServer, setup, sleep, waitFor } from '../harness/index.js';
import { type PostgresServer, startPostgres } from '../harness/postgres.js';
import {
  assertExactlyOnceInOrder,
  channelOf,
  consumer,
  consumerCount,
  createOutbox,
  nodeConfig,
  produce,
  readiness,
  received,
  subscribe,
} from './postgresql-fixture.js';

describe('postgresql consumer, a node SIGKILLed mid-stream', () => {
  const t = setup();
  let db: PostgresServer;
  let redis: RedisServer;
  let nodes: NodeProcess[];

  before(async () => {
    db = t.defer(await startPostgres(), (s) => s.stop());
    redis = await t.redis();
    await createOutbox(db, 'outbox');
    const config = nodeConfig(redis.url, [consumer('outbox', db.dsn, 'outbox', { use_try_lock: true })]);
    nodes = await Promise.all([t.nodeProcess('pg-kill-a', config), t.nodeProcess('pg-kill-b', config)]);
    await Promise.all(
      nodes.map((n) => waitFor(async () => (await readiness(n)).status === 200, 'node ready', 20_000)),
    );
  });
  after(() => t.cleanup());

  it('loses and duplicates nothing for clients on either node', async () => {
    const channels = [channelOf('kill', 0), channelOf('kill', 1)];
    const subscribers = await Promise.all(nodes.map((n) => subscribe(t, n, channels)));
    const total = 400;
    const producer = produce(db, 'outbox', 'kill', 2, total, 10, 30);
    // Kill a node once it is busy taking batches, while rows are still being committed. Which node
    // holds which partition's lock is a race, and one node may hold both: the victim is the busier.
    const applied = () => Promise.all(nodes.map((n) => consumerCount(n, 'outbox', 'applied')));
    const counts = await waitFor(
      async () => {
        const got = await applied();
        return Math.max(...got) >= 40 ? got : undefined;
      },
      'a node consuming',
      20_000,
    );
    const victim = counts[1]! >= counts[0]! ? 1 : 0;
    const b = nodes[victim]!;
    const a = nodes[1 - victim]!;
    const order = victim === 1 ? [0, 1] : [1, 0];
    await b.kill();
    const committedAtKill = producer.committed();
    assert.ok(
      committedAtKill < total,
      `the stream was still flowing (${committedAtKill}/${total} committed)`,
    );
    await producer.done;
    // a alone drains the outbox; then b comes back and its client recovers what it missed.
    await waitFor(
      () => channels.every((c) => received(subscribers[order[0]!]!, c) >= total),
      'every publication on the surviving node',
      40_000,
    );
    await b.restart();
    await waitFor(
      () => channels.every((c) => received(subscribers[order[1]!]!, c) >= total),
      'every publication on the killed node after its restart',
      30_000,
    );
    await sleep(1000);
    subscribers.forEach((s, i) => {
      for (const c of channels) assertExactlyOnceInOrder(s, c, total, `client on node ${i}`);
    });
    assert.deepEqual(await db.query('SELECT id FROM outbox'), [], 'the outbox is emptied');
    assert.ok((await consumerCount(a, 'outbox', 'applied')) > 0, 'the surviving node applied rows');
  });
});
