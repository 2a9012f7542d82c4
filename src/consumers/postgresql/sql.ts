/**
 * The SQL of the outbox consumer. Table names come from the config, checked there to be plain
 * (`name` or `schema.name` of letters, digits, `_`), and are written unquoted as Centrifugo does,
 * so `Outbox` and `outbox` are the same table. The advisory lock of a partition is keyed by the
 * outbox table and the partition number, so every consumer of one table, on any node, takes turns.
 */
import pg from 'pg';

/** The outbox table's columns this consumer reads (Centrifugo's shape; `payload` jsonb, json or text). */
export interface OutboxRow {
  /** bigint, as text (JavaScript numbers lose precision beyond 2^53). */
  readonly id: string;
  readonly method: string | null;
  readonly payload: string | null;
}

export interface OutboxSql {
  readonly tryLock: string;
  readonly lock: string;
  readonly select: string;
  readonly remove: string;
  readonly deadLetter: string;
  readonly createDeadLetterTable: string;
  readonly lag: string;
  readonly listen: string | undefined;
  /** The lock's first key: a name hashed by the server. */
  readonly lockName: string;
}

export function outboxSql(outbox: string, deadLetters: string, notificationChannel: string): OutboxSql {
  return {
    tryLock: 'SELECT pg_try_advisory_xact_lock(hashtext($1), $2::int) AS locked',
    lock: 'SELECT pg_advisory_xact_lock(hashtext($1), $2::int)',
    // NOWAIT, not SKIP LOCKED: a row locked by someone else (a hand-run DELETE) fails the batch,
    // retried later, instead of being skipped and delivered after the rows behind it.
    // `id` comes as text (node-postgres reads bigint so); no cast here, or ORDER BY would sort text.
    select: `SELECT id, method, payload::text AS payload FROM ${outbox}
      WHERE partition = $1 ORDER BY id LIMIT $2 FOR UPDATE NOWAIT`,
    remove: `DELETE FROM ${outbox} WHERE id = ANY($1::bigint[])`,
    deadLetter: `INSERT INTO ${deadLetters} (outbox_id, method, payload, partition, reason, consumer)
      VALUES ($1::bigint, $2, $3, $4, $5, $6)`,
    createDeadLetterTable: `CREATE TABLE IF NOT EXISTS ${deadLetters} (
      id bigserial PRIMARY KEY,
      outbox_id bigint NOT NULL,
      method text,
      payload text,
      partition bigint NOT NULL,
      reason text NOT NULL,
      consumer text NOT NULL,
      dead_lettered_at timestamptz NOT NULL DEFAULT now()
    )`,
    lag: `SELECT count(*)::bigint::text AS n FROM ${outbox} WHERE partition >= 0 AND partition < $1`,
    listen: notificationChannel === '' ? undefined : `LISTEN ${pg.escapeIdentifier(notificationChannel)}`,
    lockName: `switchboard outbox ${outbox.toLowerCase()}`,
  };
}

/** SQLSTATEs of a concurrent `CREATE TABLE IF NOT EXISTS` by another node: the table is there. */
export const ALREADY_CREATED = new Set(['42P07', '23505']);
