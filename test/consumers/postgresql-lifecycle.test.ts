/**
 * The postgresql consumer in this process against a real PostgreSQL, with an applier that answers
 * as the node's would while its engine is away (`retry`, forever) or once it is back (`applied`):
 * `stop()` is prompt while a row is retried inside its transaction and while the partition's
 * advisory lock is held by another session, and it leaves the row in the outbox, where the next
 * consumer applies it under the same identity.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import type { ApplyOutcome, MessageApplier } from '../../src/consumers/applier.js';
import type { Consumer } from '../../src/consumers/consumer.js';
import type { ConsumedMessage } from '../../src/consumers/message.js';
import { NO_CONSUMER_METRICS } from '../../src/consumers/metrics.js';
import { createPostgresqlConsumer } from '../../src/consumers/postgresql/index.js';
import { silentLogger } from '../../src/log.js';
import { waitFor } from '../harness/index.js';
import { type PostgresServer, startPostgres } from '../harness/postgres.js';
import { consumer, createOutbox, insertMessages } from './postgresql-fixture.js';

/** Records what it is asked to apply; answers `retry` while `engineDown`. */
class RecordingApplier {
  engineDown = true;
  readonly calls: string[] = [];
  async apply(_message: ConsumedMessage, identity: string): Promise<ApplyOutcome> {
    this.calls.push(identity);
    return this.engineDown ? { status: 'retry', reason: '100: engine unreachable' } : { status: 'applied' };
  }
}

function start(db: PostgresServer, applier: RecordingApplier, section: Record<string, unknown>): Consumer {
  const config = resolveConfig({ consumers: [consumer('outbox', db.dsn, 'outbox', section)] });
  const c = createPostgresqlConsumer({
    config: config.consumers[0]!,
    nodeId: 'test',
    applier: applier as unknown as MessageApplier,
    metrics: NO_CONSUMER_METRICS,
    log: silentLogger(),
  });
  return c;
}

async function timedStop(c: Consumer): Promise<number> {
  const started = Date.now();
  await c.stop();
  return Date.now() - started;
}

describe('postgresql consumer lifecycle', () => {
  let db: PostgresServer;

  before(async () => {
    db = await startPostgres();
    await createOutbox(db, 'outbox');
  });
  after(() => db.stop());

  it('stops promptly while retrying a row, and leaves it for the next consumer', async () => {
    await insertMessages(db, 'outbox', 'life', 1, 0, 3);
    const [first] = await db.query<{ id: string }>('SELECT id FROM outbox ORDER BY id LIMIT 1');
    const down = new RecordingApplier();
    const c = start(db, down, { num_partitions: 1 });
    await c.start();
    await waitFor(() => down.calls.length >= 3, 'the first row retried');
    assert.ok(new Set(down.calls).size === 1, `only the first row was tried: ${down.calls.join(', ')}`);
    const took = await timedStop(c);
    assert.ok(took < 2000, `stop took ${took} ms`);
    assert.equal((await db.query('SELECT id FROM outbox')).length, 3, 'nothing was deleted');

    const up = new RecordingApplier();
    up.engineDown = false;
    const next = start(db, up, { num_partitions: 1 });
    await next.start();
    await waitFor(async () => (await db.query('SELECT id FROM outbox')).length === 0, 'the outbox drained');
    assert.equal(up.calls[0], `outbox:${first!.id}`, 'the same identity, so the same idempotency key');
    assert.equal(up.calls.length, 3);
    await next.stop();
  });

  it('stops promptly while another session holds the partition lock', async () => {
    await insertMessages(db, 'outbox', 'life', 1, 0, 1);
    const pg = await import('pg');
    const holder = new pg.default.Client({ connectionString: db.dsn });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT pg_advisory_xact_lock(hashtext('switchboard outbox outbox'), 0)");
      const applier = new RecordingApplier();
      applier.engineDown = false;
      const c = start(db, applier, { num_partitions: 1 });
      await c.start();
      // The consumer waits for the lock: nothing is applied while the holder keeps it.
      await waitFor(async () => {
        const rows = await db.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        );
        return rows[0]?.n === '1';
      }, 'the consumer waiting for the lock');
      assert.equal(applier.calls.length, 0);
      const took = await timedStop(c);
      assert.ok(took < 2000, `stop took ${took} ms`);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    await db.query('DELETE FROM outbox');
  });

  it('reports a problem while it cannot reach PostgreSQL, and stops promptly', async () => {
    const applier = new RecordingApplier();
    const config = { dsn: 'postgresql://postgres@127.0.0.1:1/postgres' };
    const c = start(db, applier, config);
    await c.start();
    await waitFor(() => /cannot connect/.test(c.problem() ?? ''), 'a connect problem');
    assert.ok((await timedStop(c)) < 2000);
  });
});
