/**
 * The postgresql outbox consumer against a real PostgreSQL 15 and two node processes on one Redis,
 * each running two consumers: `outbox` (2 partitions, jsonb payloads) and `poison` (1 partition, a
 * text payload column, so broken JSON can be inserted). Rows reach clients on both nodes exactly
 * once and in order, both nodes take batches, poison rows end in the dead-letter table without
 * blocking the good ones, and `/ready` follows PostgreSQL's reachability.
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
  insertMessages,
  nodeConfig,
  readiness,
  received,
  subscribe,
} from './postgresql-fixture.js';

describe('postgresql consumer', () => {
  const t = setup();
  let db: PostgresServer;
  let redis: RedisServer;
  let nodes: NodeProcess[];

  before(async () => {
    db = t.defer(await startPostgres(), (s) => s.stop());
    redis = await t.redis();
    await createOutbox(db, 'outbox');
    await createOutbox(db, 'poison_outbox', 'text');
    const config = nodeConfig(redis.url, [
      consumer('outbox', db.dsn, 'outbox'),
      consumer('poison', db.dsn, 'poison_outbox', { num_partitions: 1 }),
    ]);
    nodes = await Promise.all([t.nodeProcess('pg-a', config), t.nodeProcess('pg-b', config)]);
    await Promise.all(
      nodes.map((n) => waitFor(async () => (await readiness(n)).status === 200, 'node ready', 20_000)),
    );
  });
  after(() => t.cleanup());

  it('delivers every row to clients on two nodes exactly once, in order per partition', async () => {
    const channels = [channelOf('order', 0), channelOf('order', 1)];
    const subscribers = await Promise.all(nodes.map((n) => subscribe(t, n, channels)));
    const perPartition = 150;
    // Several transactions, like an application would commit them.
    for (let from = 0; from < perPartition; from += 50) {
      await insertMessages(db, 'outbox', 'order', 2, from, from + 50);
    }
    await waitFor(
      () => subscribers.every((s) => channels.every((c) => received(s, c) >= perPartition)),
      'every publication on both nodes',
      30_000,
    );
    // Anything arriving late would be a duplicate: give it the time to show.
    await sleep(1000);
    subscribers.forEach((s, i) => {
      for (const c of channels) assertExactlyOnceInOrder(s, c, perPartition, `client on node ${i}`);
    });
    assert.deepEqual(await db.query('SELECT id FROM outbox'), [], 'the outbox is emptied');
    // The partitions' batches spread over both nodes, and every row applied once in total.
    const applied = await Promise.all(nodes.map((n) => consumerCount(n, 'outbox', 'applied')));
    assert.ok(
      applied.every((n) => n > 0),
      `both nodes applied rows: ${applied.join(', ')}`,
    );
    assert.equal(
      applied.reduce((a, b) => a + b, 0),
      2 * perPartition,
      'rows applied once in total',
    );
  });

  it('moves poison rows to the dead-letter table and delivers the good ones in order', async () => {
    const channel = `feed:poison-p0`;
    const subscribers = await Promise.all(nodes.map((n) => subscribe(t, n, [channel])));
    const good = (seq: number): [string, string] => ['publish', JSON.stringify({ channel, data: { seq } })];
    const rows: [string, string][] = [
      good(0),
      ['publish', '{"channel": "feed:poison-p0", "data": '], // not JSON
      good(1),
      ['no_such_method', JSON.stringify({ channel, data: { seq: -1 } })],
      good(2),
      ['publish', JSON.stringify({ channel: 'nowhere:x', data: { seq: -2 } })], // unknown namespace
      good(3),
      ['publish', '[1, 2]'], // JSON, not an object
      good(4),
    ];
    const ids: string[] = [];
    for (const [method, payload] of rows) {
      const [row] = await db.query<{ id: string }>(
        'INSERT INTO poison_outbox (method, payload) VALUES ($1, $2) RETURNING id::text AS id',
        [method, payload],
      );
      ids.push(row!.id);
    }
    await waitFor(
      () => subscribers.every((s) => received(s, channel) >= 5),
      'the good publications on both nodes',
      20_000,
    );
    const dead = await waitFor(async () => {
      const found = await db.query<{ outbox_id: string; method: string; reason: string; consumer: string }>(
        'SELECT outbox_id::text AS outbox_id, method, reason, consumer FROM poison_outbox_dead_letter ORDER BY outbox_id',
      );
      return found.length >= 4 ? found : undefined;
    }, 'four dead letters');
    await sleep(500);
    for (const [i, s] of subscribers.entries())
      assertExactlyOnceInOrder(s, channel, 5, `client on node ${i}`);
    assert.deepEqual(
      dead.map((d) => d.outbox_id),
      [ids[1], ids[3], ids[5], ids[7]],
      'exactly the poison rows are dead letters',
    );
    assert.ok(dead.every((d) => d.consumer === 'poison'));
    assert.match(dead[0]!.reason, /JSON/);
    assert.match(dead[1]!.reason, /method not found/);
    assert.equal(dead[1]!.method, 'no_such_method');
    assert.match(dead[2]!.reason, /^\d+: /);
    assert.match(dead[3]!.reason, /object/);
    assert.deepEqual(await db.query('SELECT id FROM poison_outbox'), [], 'the outbox is emptied');
    const counted = await Promise.all(nodes.map((n) => consumerCount(n, 'poison', 'dead_lettered')));
    assert.equal(
      counted.reduce((a, b) => a + b, 0),
      4,
      `dead letters counted: ${counted.join(', ')}`,
    );
  });

  it('is not ready while PostgreSQL is unreachable, and consumes again once it is back', async () => {
    const [node] = nodes;
    await db.kill();
    const down = await waitFor(
      async () => {
        const r = await readiness(node!);
        return r.status === 503 ? r : undefined;
      },
      '/ready 503',
      15_000,
    );
    assert.match(down.reason ?? '', /consumer (outbox|poison): .*PostgreSQL/);
    await db.restart();
    await waitFor(async () => (await readiness(node!)).status === 200, '/ready 200 again', 20_000);
    const channel = channelOf('after', 0);
    const [s] = await Promise.all([subscribe(t, node!, [channel])]);
    await insertMessages(db, 'outbox', 'after', 1, 0, 3);
    await waitFor(() => received(s!, channel) >= 3, 'publications after the restart', 15_000);
    assertExactlyOnceInOrder(s!, channel, 3, 'client');
  });
});
