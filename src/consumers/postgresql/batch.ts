/**
 * One batch of one partition, in one transaction: take the partition's advisory transaction lock
 * (or find another node holding it), select its oldest rows in id order, apply each in turn
 * (retrying the same row while the engine is unreachable), move the poison ones to the dead-letter
 * table, delete the handled ones, commit. Nothing is deleted before it applied, and a transaction
 * that ends without its commit (a crash, a lost connection, a stop mid-row) deletes nothing: its
 * rows are applied again by the partition's next holder, and their idempotency keys keep clients
 * from seeing them twice.
 */
import type { Logger } from '../../log.js';
import type { MessageApplier } from '../applier.js';
import type { ConsumerMetrics } from '../metrics.js';
import { applyWithRetry } from '../retry.js';
import type { Connection } from './connection.js';
import type { OutboxRow, OutboxSql } from './sql.js';

export interface BatchContext {
  readonly consumer: string;
  readonly outbox: string;
  readonly sql: OutboxSql;
  readonly limit: number;
  readonly useTryLock: boolean;
  readonly applier: MessageApplier;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
  /** The consumer's stop. */
  readonly stopped: AbortSignal;
}

export type BatchResult =
  /** Another node holds the partition (try-lock mode). */
  | { readonly kind: 'busy' }
  /** `handled` rows were applied or dead-lettered and deleted; `more` when the batch was full. */
  | { readonly kind: 'done'; readonly handled: number; readonly more: boolean }
  /** Stopped before the lock or mid-batch; whatever was applied before is committed if possible. */
  | { readonly kind: 'stopped' };

export async function runBatch(ctx: BatchContext, conn: Connection, partition: number): Promise<BatchResult> {
  const { client } = conn;
  const signal = AbortSignal.any([ctx.stopped, conn.lost]);
  await client.query('BEGIN');
  let open = true;
  try {
    if (!(await lock(ctx, conn, partition, signal))) {
      if (conn.lost.aborted) throw conn.lost.reason ?? new Error('connection lost');
      await client.query('ROLLBACK');
      open = false;
      return ctx.stopped.aborted ? { kind: 'stopped' } : { kind: 'busy' };
    }
    const { rows } = await client.query<OutboxRow>(ctx.sql.select, [partition, ctx.limit]);
    const handled: string[] = [];
    let interrupted = false;
    for (const row of rows) {
      if (signal.aborted) {
        interrupted = true;
        break;
      }
      const identity = `${ctx.outbox}:${row.id}`;
      const message = { kind: 'command', method: row.method ?? '', payload: row.payload ?? '' } as const;
      const outcome = await applyWithRetry(ctx.applier, message, identity, {
        consumer: ctx.consumer,
        metrics: ctx.metrics,
        log: ctx.log,
        signal,
      });
      if (outcome.status === 'stopped') {
        interrupted = true;
        break;
      }
      if (outcome.status === 'dead') {
        await client.query(ctx.sql.deadLetter, [
          row.id,
          row.method,
          row.payload,
          partition,
          outcome.reason,
          ctx.consumer,
        ]);
      }
      handled.push(row.id);
    }
    if (conn.lost.aborted) throw conn.lost.reason ?? new Error('connection lost');
    if (handled.length > 0) await client.query(ctx.sql.remove, [handled]);
    await client.query('COMMIT');
    open = false;
    if (interrupted) return { kind: 'stopped' };
    return { kind: 'done', handled: handled.length, more: rows.length === ctx.limit };
  } finally {
    if (open && !conn.lost.aborted) await client.query('ROLLBACK').catch(() => undefined);
  }
}

/**
 * Takes the partition's lock: at once or not at all with `use_try_lock`, else waiting for the
 * holder's transaction to end (a stop closes the connection, which ends the wait).
 */
async function lock(
  ctx: BatchContext,
  conn: Connection,
  partition: number,
  signal: AbortSignal,
): Promise<boolean> {
  const params = [ctx.sql.lockName, partition];
  if (ctx.useTryLock) {
    const { rows } = await conn.client.query<{ locked: boolean }>(ctx.sql.tryLock, params);
    return rows[0]?.locked === true;
  }
  if (signal.aborted) return false;
  const closeOnStop = (): void => void conn.close();
  ctx.stopped.addEventListener('abort', closeOnStop, { once: true });
  try {
    await conn.client.query(ctx.sql.lock, params);
  } finally {
    ctx.stopped.removeEventListener('abort', closeOnStop);
  }
  return !signal.aborted;
}
