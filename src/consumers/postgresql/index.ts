/**
 * The `postgresql` consumer: a transactional outbox table (Centrifugo's shape: `id bigserial`,
 * `method text`, `payload jsonb`, `partition bigint`, `created_at`) the application inserts rows
 * into in its own transactions. Each of `num_partitions` partitions has a worker on every node;
 * the partition's advisory transaction lock lets one node at a time take a batch, so a partition's
 * rows are applied in id order, and the partitions spread over the nodes. A row is deleted in the
 * transaction that applied it, after `applier.apply` said applied; a poison row moves to the
 * dead-letter table in that same transaction. A row's identity is `<outbox_table_name>:<id>`.
 */
import { deadLetterTable } from '../../config/consumers/postgresql.js';
import type { Consumer, ConsumerContext, ConsumerFactory } from '../consumer.js';
import { pause } from '../retry.js';
import type { Connection } from './connection.js';
import { runControl } from './control.js';
import { runPartition } from './partition-worker.js';
import { outboxSql } from './sql.js';
import { Wakeups } from './wakeups.js';

/** How long `stop()` lets workers finish (commit what they applied) before it closes their connections. */
const STOP_GRACE_MS = 1_000;
/** How long `stop()` then waits for them at most. */
const STOP_AFTER_CLOSE_MS = 500;

export const createPostgresqlConsumer: ConsumerFactory = (ctx) => new PostgresqlConsumer(ctx);

class PostgresqlConsumer implements Consumer {
  readonly name: string;
  private readonly abort = new AbortController();
  private readonly problems = new Map<string, string>();
  private readonly connections = new Map<string, Connection>();
  private running: Promise<unknown> = Promise.resolve();
  private up: boolean | undefined;

  constructor(private readonly ctx: ConsumerContext) {
    this.name = ctx.config.name;
  }

  async start(): Promise<void> {
    const { ctx } = this;
    const section = ctx.config.postgresql;
    const outbox = section.outbox_table_name;
    const sql = outboxSql(outbox, deadLetterTable(section), section.partition_notification_channel);
    const wakeups = new Wakeups(section.num_partitions);
    const report = (key: string, problem: string | undefined): void => this.report(key, problem);
    const track = (key: string, conn: Connection | undefined): void => {
      if (conn === undefined) this.connections.delete(key);
      else this.connections.set(key, conn);
    };
    const stopped = this.abort.signal;
    const common = { consumer: this.name, nodeId: ctx.nodeId, sql, wakeups, report, track, stopped };
    const tasks: Promise<void>[] = [];
    const separateListen = section.partition_notification_dsn !== '' && sql.listen !== undefined;
    this.report('control', 'connecting to PostgreSQL');
    const control = {
      ...common,
      partitions: section.num_partitions,
      lagIntervalMs: section.lag_interval,
      metrics: ctx.metrics,
      log: ctx.log,
    };
    tasks.push(
      runControl(control, {
        key: 'control',
        dsn: section.dsn,
        createDeadLetterTable: true,
        listen: !separateListen,
        countLag: true,
        essential: true,
      }),
    );
    if (separateListen) {
      tasks.push(
        runControl(control, {
          key: 'listen',
          dsn: section.partition_notification_dsn,
          createDeadLetterTable: false,
          listen: true,
          countLag: false,
          essential: false,
        }),
      );
    }
    for (let partition = 0; partition < section.num_partitions; partition++) {
      this.report(`partition ${partition}`, 'connecting to PostgreSQL');
      const worker = {
        ...common,
        outbox,
        dsn: section.dsn,
        limit: section.partition_select_limit,
        useTryLock: section.use_try_lock,
        pollIntervalMs: section.partition_poll_interval,
        applier: ctx.applier,
        metrics: ctx.metrics,
        log: ctx.log.child({ partition }),
      };
      tasks.push(runPartition(worker, partition));
    }
    this.running = Promise.allSettled(tasks).then((results) => {
      for (const r of results) {
        if (r.status === 'rejected') ctx.log.error({ err: r.reason }, 'outbox consumer task failed');
      }
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (!(await within(this.running, STOP_GRACE_MS))) {
      await Promise.all([...this.connections.values()].map((c) => c.close()));
      await within(this.running, STOP_AFTER_CLOSE_MS);
    }
    this.ctx.metrics.up(this.name, false);
  }

  problem(): string | undefined {
    for (const problem of this.problems.values()) return problem;
    return undefined;
  }

  private report(key: string, problem: string | undefined): void {
    const before = this.problems.get(key);
    if (problem === undefined) {
      if (before === undefined) return;
      this.problems.delete(key);
    } else {
      if (before === problem) return;
      this.problems.set(key, problem);
      // The first state of each connection ("connecting") is not worth a warning.
      if (before !== undefined || !problem.startsWith('connecting'))
        this.ctx.log.warn({ part: key, reason: problem }, 'outbox consumer cannot consume');
    }
    const up = this.problems.size === 0;
    if (up !== this.up) {
      this.up = up;
      this.ctx.metrics.up(this.name, up);
      if (up) this.ctx.log.info('outbox consumer connected');
    }
  }
}

/** Whether `task` settles within `ms` (the timer is cleared either way). */
async function within(task: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const ended = await Promise.race([task.then(() => true), pause(ms, timer.signal).then(() => false)]);
  timer.abort();
  return ended;
}
