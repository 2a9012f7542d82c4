/**
 * The postgresql outbox consumer through outages of what it depends on, two node processes each:
 * PostgreSQL killed (immediate shutdown) and restarted while a burst is being consumed — the
 * consumers reconnect by themselves and the rolled-back batches are applied again without
 * duplicates; and Redis, the engine, down for 10 s while rows keep being committed — the consumer
 * retries its row inside its transaction, takes nothing new, and once Redis is back (with its
 * append-only file) every row arrives, once, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, type RedisServer, setup, sleep, waitFor } from '../harness/index.js';
import { type PostgresServer, startPostgres } from '../harness/postgres.js';
import {
  assertExactlyOnceInOrder,
  channelOf,
  consumer,
  createOutbox,
  insertMessages,
  nodeConfig,
  produce,
  readiness,
  received,
  subscribe,
} from './postgresql-fixture.js';

describe('postgresql consumer through outages', () => {
  const t = setup();
  let db: PostgresServer;
  let redis: RedisServer;
  let nodes: NodeProcess[];

  before(async () => {
    db = t.defer(await startPostgres(), (s) => s.stop());
    redis = await t.redis(['--appendonly', 'yes']);
    await createOutbox(db, 'outbox');
    const config = nodeConfig(redis.url, [consumer('outbox', db.dsn, 'outbox')]);
    nodes = await Promise.all([t.nodeProcess('pg-out-a', config), t.nodeProcess('pg-out-b', config)]);
    await Promise.all(
      nodes.map((n) => waitFor(async () => (await readiness(n)).status === 200, 'node ready', 20_000)),
    );
  });
  after(() => t.cleanup());

  it('reconnects after PostgreSQL restarts mid-burst and loses nothing', async () => {
    const channels = [channelOf('pgdown', 0), channelOf('pgdown', 1)];
    const subscribers = await Promise.all(nodes.map((n) => subscribe(t, n, channels)));
    const burst = 600;
    await insertMessages(db, 'outbox', 'pgdown', 2, 0, burst);
    await waitFor(() => received(subscribers[0]!, channels[0]!) >= 30, 'the burst flowing', 20_000);
    await db.kill();
    const atKill = received(subscribers[0]!, channels[0]!);
    assert.ok(atKill < burst, `the burst was still being consumed (${atKill}/${burst})`);
    await sleep(2000);
    await db.restart();
    await insertMessages(db, 'outbox', 'pgdown', 2, burst, burst + 50);
    const total = burst + 50;
    await waitFor(
      () => subscribers.every((s) => channels.every((c) => received(s, c) >= total)),
      'every publication after the restart',
      40_000,
    );
    await sleep(1000);
    subscribers.forEach((s, i) => {
      for (const c of channels) assertExactlyOnceInOrder(s, c, total, `client on node ${i}`);
    });
    assert.deepEqual(await db.query('SELECT id FROM outbox'), [], 'the outbox is emptied');
  });

  it('holds rows while Redis is down for 10 s and delivers them all, in order, once it is back', async () => {
    const channels = [channelOf('redisdown', 0), channelOf('redisdown', 1)];
    const subscribers = await Promise.all(nodes.map((n) => subscribe(t, n, channels)));
    await insertMessages(db, 'outbox', 'redisdown', 2, 0, 50);
    await waitFor(
      () => subscribers.every((s) => channels.every((c) => received(s, c) >= 50)),
      'the first rows',
      20_000,
    );
    await redis.kill();
    const downSince = Date.now();
    // Rows keep coming while the engine is away.
    const producer = produce(db, 'outbox', 'redisdown', 2, 250, 20, 800, 50);
    const notReady = await waitFor(
      async () => {
        const r = await readiness(nodes[0]!);
        return r.status === 503 ? r : undefined;
      },
      '/ready 503 while Redis is down',
      10_000,
    );
    assert.match(notReady.reason ?? '', /engine/);
    await producer.done;
    const [{ n: waiting } = { n: '0' }] = await db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM outbox',
    );
    assert.ok(Number(waiting) === 400, `rows held in the outbox while Redis is down: ${waiting}`);
    await sleep(Math.max(0, 10_000 - (Date.now() - downSince)));
    await redis.restartKeepingData();
    await waitFor(
      () => subscribers.every((s) => channels.every((c) => received(s, c) >= 250)),
      'every publication once Redis is back',
      40_000,
    );
    await sleep(1000);
    subscribers.forEach((s, i) => {
      for (const c of channels) assertExactlyOnceInOrder(s, c, 250, `client on node ${i}`);
    });
    assert.deepEqual(await db.query('SELECT id FROM outbox'), [], 'the outbox is emptied');
  });
});
