/**
 * The loop of one partition on this node: keep a connection (reconnecting forever with a capped
 * backoff), run batches back to back while they come full, else wait for a NOTIFY or the poll
 * interval. A failed batch (connection lost, table missing, a row locked by someone else) is
 * rolled back and retried after the backoff; its reason is the consumer's problem meanwhile.
 */
import { pause } from '../retry.js';
import { type BatchContext, runBatch } from './batch.js';
import { Backoff, type Connection, describeError, openConnection } from './connection.js';
import type { Wakeups } from './wakeups.js';

export interface WorkerContext extends BatchContext {
  readonly dsn: string;
  readonly nodeId: string;
  readonly pollIntervalMs: number;
  readonly wakeups: Wakeups;
  /** Reports this worker's problem (undefined once it works). */
  readonly report: (key: string, problem: string | undefined) => void;
  /** Registers the live connection, so `stop()` can close it if the worker does not end in time. */
  readonly track: (key: string, conn: Connection | undefined) => void;
}

export async function runPartition(ctx: WorkerContext, partition: number): Promise<void> {
  const key = `partition ${partition}`;
  const backoff = new Backoff();
  let conn: Connection | undefined;
  try {
    while (!ctx.stopped.aborted) {
      if (conn === undefined || conn.lost.aborted) {
        if (conn !== undefined) await conn.close();
        conn = undefined;
        ctx.track(key, undefined);
        try {
          conn = await openConnection(ctx.dsn, `switchboard ${ctx.nodeId} ${ctx.consumer} p${partition}`);
          ctx.track(key, conn);
        } catch (error) {
          ctx.report(key, `cannot connect to PostgreSQL: ${describeError(error)}`);
          await pause(backoff.next(), ctx.stopped);
          continue;
        }
      }
      let result: Awaited<ReturnType<typeof runBatch>>;
      try {
        result = await runBatch(ctx, conn, partition);
      } catch (error) {
        if (ctx.stopped.aborted) break;
        const reason = conn.lost.aborted
          ? `lost the PostgreSQL connection: ${describeError(conn.lost.reason ?? error)}`
          : `partition ${partition}: ${describeError(error)}`;
        ctx.report(key, reason);
        await pause(backoff.next(), ctx.stopped);
        continue;
      }
      ctx.report(key, undefined);
      backoff.reset();
      if (result.kind === 'stopped') break;
      if (result.kind === 'done' && result.more) continue;
      await ctx.wakeups.wait(partition, ctx.pollIntervalMs, ctx.stopped);
    }
  } finally {
    ctx.track(key, undefined);
    await conn?.close();
  }
}
