/**
 * The consumer's control connection, besides the partition workers': creates the dead-letter table
 * if it is missing, LISTENs on `partition_notification_channel` (a NOTIFY's payload names the
 * partition to wake; after a reconnect every partition is woken, as notifications may have been
 * missed), and counts the outbox every `lag_interval` for the lag metric. With
 * `partition_notification_dsn` the LISTEN runs on a connection of its own to that DSN.
 */
import type { Logger } from '../../log.js';
import type { ConsumerMetrics } from '../metrics.js';
import { pause } from '../retry.js';
import { Backoff, type Connection, describeError, openConnection } from './connection.js';
import { ALREADY_CREATED, type OutboxSql } from './sql.js';
import type { Wakeups } from './wakeups.js';

export interface ControlContext {
  readonly consumer: string;
  readonly nodeId: string;
  readonly sql: OutboxSql;
  readonly partitions: number;
  readonly lagIntervalMs: number;
  readonly wakeups: Wakeups;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
  readonly stopped: AbortSignal;
  readonly report: (key: string, problem: string | undefined) => void;
  readonly track: (key: string, conn: Connection | undefined) => void;
}

/** What one control connection does. */
export interface ControlDuties {
  readonly key: string;
  readonly dsn: string;
  readonly createDeadLetterTable: boolean;
  readonly listen: boolean;
  readonly countLag: boolean;
  /** Whether its failure makes the consumer not ready (not for a LISTEN-only connection: polling goes on). */
  readonly essential: boolean;
}

export async function runControl(ctx: ControlContext, duties: ControlDuties): Promise<void> {
  const backoff = new Backoff();
  while (!ctx.stopped.aborted) {
    let conn: Connection;
    try {
      conn = await openConnection(duties.dsn, `switchboard ${ctx.nodeId} ${ctx.consumer} ${duties.key}`);
    } catch (error) {
      fail(ctx, duties, `cannot connect to PostgreSQL: ${describeError(error)}`);
      await pause(backoff.next(), ctx.stopped);
      continue;
    }
    ctx.track(duties.key, conn);
    try {
      await serve(ctx, duties, conn);
      backoff.reset();
    } catch (error) {
      if (!ctx.stopped.aborted) fail(ctx, duties, `PostgreSQL: ${describeError(conn.lost.reason ?? error)}`);
    } finally {
      ctx.track(duties.key, undefined);
      await conn.close();
    }
    await pause(backoff.next(), ctx.stopped);
  }
}

function fail(ctx: ControlContext, duties: ControlDuties, reason: string): void {
  if (duties.essential) ctx.report(duties.key, reason);
  else ctx.log.warn({ reason }, 'outbox notifications unavailable, polling only');
}

/** Runs the duties on one connection until it is lost (throws) or the consumer stops (returns). */
async function serve(ctx: ControlContext, duties: ControlDuties, conn: Connection): Promise<void> {
  const { client } = conn;
  if (duties.createDeadLetterTable) await createDeadLetterTable(ctx, conn);
  if (duties.listen && ctx.sql.listen !== undefined) {
    client.on('notification', (n) => {
      const payload = (n.payload ?? '').trim();
      const partition = /^\d+$/.test(payload) ? Number(payload) : Number.NaN;
      if (!ctx.wakeups.wake(partition)) {
        ctx.log.debug({ payload }, 'outbox notification names no partition: waking all');
        ctx.wakeups.wakeAll();
      }
    });
    await client.query(ctx.sql.listen);
    ctx.wakeups.wakeAll();
  }
  if (duties.essential) ctx.report(duties.key, undefined);
  const signal = AbortSignal.any([ctx.stopped, conn.lost]);
  while (!signal.aborted) {
    if (duties.countLag && ctx.lagIntervalMs > 0) {
      const { rows } = await client.query<{ n: string }>(ctx.sql.lag, [ctx.partitions]);
      ctx.metrics.lag(ctx.consumer, Number(rows[0]?.n ?? 0));
      await pause(ctx.lagIntervalMs, signal);
    } else {
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
  if (conn.lost.aborted && !ctx.stopped.aborted) throw conn.lost.reason ?? new Error('connection lost');
}

async function createDeadLetterTable(ctx: ControlContext, conn: Connection): Promise<void> {
  try {
    await conn.client.query(ctx.sql.createDeadLetterTable);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && ALREADY_CREATED.has(code)) return;
    if (conn.lost.aborted) throw error;
    // Perhaps no right to create it: dead letters then fail their batch until someone does.
    ctx.log.warn({ reason: describeError(error) }, 'could not create the dead-letter table');
  }
}
