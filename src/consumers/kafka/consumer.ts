/**
 * The Kafka consumer: one kafkajs group member per node (every node of the cluster joins the same
 * `consumer_group`, so the group spreads the partitions over the nodes, and moves a stopped or dead
 * node's partitions to the others). Each partition is consumed in offset order by one member at a
 * time (see batch.ts). A session — connect, join, consume — that fails (a broker down longer than
 * kafkajs's own retries) is replaced by a new one after a capped backoff, forever: an outage of
 * Kafka never stops the node. Readiness names the consumer while it has not joined its group or
 * while the brokers cannot be reached.
 */
import type { Consumer as KafkaJsConsumer } from 'kafkajs';
import type { KafkaConsumerConfig } from '../../config/consumers/kafka.js';
import type { Consumer, ConsumerContext } from '../consumer.js';
import { pause } from '../retry.js';
import { batchHandler } from './batch.js';
import { kafkaClient } from './client.js';
import { DeadLetters } from './dead-letters.js';
import { LagWatch } from './lag.js';

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 5000;
/** How long `stop()` waits for kafkajs to leave the group before it lets go. */
const STOP_WAIT_MS = 1500;
/** Batches of different partitions handled at once (each partition's messages stay in order). */
const PARTITIONS_CONCURRENTLY = 16;
/** Resolved offsets are committed at least this often during a long batch, and after every batch. */
const COMMIT_INTERVAL_MS = 1000;

export class KafkaConsumer implements Consumer {
  readonly name: string;
  private readonly config: KafkaConsumerConfig;
  private readonly stopping = new AbortController();
  private readonly kafka;
  private readonly deadLetters: DeadLetters;
  private readonly lag: LagWatch;
  private loop: Promise<void> | undefined;
  /** Why the current session cannot consume, or undefined once it joined the group. */
  private sessionProblem: string | undefined = 'connecting to Kafka';

  constructor(private readonly ctx: ConsumerContext) {
    this.name = ctx.config.name;
    this.config = ctx.config.kafka;
    this.kafka = kafkaClient(this.config, ctx.log);
    this.deadLetters = new DeadLetters(this.kafka, this.config, ctx.log);
    this.lag = new LagWatch(
      this.config,
      ctx.log,
      (n) => ctx.metrics.lag(this.name, n),
      () => this.reportUp(),
    );
  }

  problem(): string | undefined {
    return this.lag.problem() ?? this.sessionProblem;
  }

  async start(): Promise<void> {
    this.ctx.metrics.up(this.name, false);
    this.lag.start();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    const done = Promise.all([this.loop, this.lag.stop(), this.deadLetters.close()]);
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    this.ctx.metrics.up(this.name, false);
  }

  private reportUp(): void {
    this.ctx.metrics.up(this.name, this.problem() === undefined);
  }

  private setSessionProblem(problem: string | undefined): void {
    this.sessionProblem = problem;
    this.reportUp();
  }

  /** Sessions one after another until stopped. */
  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    let backoff = FIRST_BACKOFF_MS;
    while (!signal.aborted) {
      const joined = await this.runSession(signal);
      if (signal.aborted) break;
      backoff = joined ? FIRST_BACKOFF_MS : Math.min(backoff * 2, MAX_BACKOFF_MS);
      await pause(backoff, signal);
    }
  }

  /** One session: resolves when it crashed or the consumer stops; true if it had joined the group. */
  private async runSession(signal: AbortSignal): Promise<boolean> {
    let joined = false;
    const session = this.newSession();
    const crashed = new Promise<Error>((resolve) => {
      session.on(session.events.CRASH, ({ payload }) => resolve(payload.error));
    });
    session.on(session.events.GROUP_JOIN, ({ payload }) => {
      joined = true;
      this.ctx.log.info(
        { memberId: payload.memberId, assigned: payload.memberAssignment },
        'joined the Kafka group',
      );
      this.setSessionProblem(undefined);
    });
    let onAbort = (): void => {};
    const stopped = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await session.connect();
      await this.createDeadLetterTopics();
      await session.subscribe({ topics: this.config.topics, fromBeginning: true });
      await session.run({
        autoCommit: true,
        autoCommitInterval: COMMIT_INTERVAL_MS,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
        eachBatch: batchHandler({
          name: this.name,
          config: this.config,
          applier: this.ctx.applier,
          metrics: this.ctx.metrics,
          log: this.ctx.log,
          deadLetters: this.deadLetters,
          signal,
          heartbeatMs: heartbeatInterval(this.config),
        }),
      });
      const error = await Promise.race([crashed, stopped]);
      if (error !== undefined) throw error;
    } catch (error) {
      if (!signal.aborted) {
        const message = (error as Error).message;
        this.ctx.log.warn({ error: message }, 'Kafka consumer session failed, starting a new one');
        this.setSessionProblem(`Kafka consumer: ${message}`);
      }
    }
    signal.removeEventListener('abort', onAbort);
    await session.disconnect().catch(() => {});
    return joined;
  }

  private newSession(): KafkaJsConsumer {
    return this.kafka.consumer({
      groupId: this.config.consumer_group,
      sessionTimeout: this.config.session_timeout,
      heartbeatInterval: heartbeatInterval(this.config),
      maxWaitTimeInMs: this.config.fetch_max_wait,
      readUncommitted: this.config.fetch_read_uncommitted,
      allowAutoTopicCreation: false,
      ...(this.config.fetch_max_bytes > 0 ? { maxBytes: this.config.fetch_max_bytes } : {}),
      // A failed session is replaced by a new one here, with our backoff.
      retry: { restartOnFailure: async () => false },
    });
  }

  /** Creates the dead-letter topics if missing (with the broker's defaults); a refusal is only logged. */
  private async createDeadLetterTopics(): Promise<void> {
    const admin = this.kafka.admin({ retry: { retries: 1 } });
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = this.deadLetters.topics().filter((t) => !existing.has(t));
      if (missing.length > 0) await admin.createTopics({ topics: missing.map((topic) => ({ topic })) });
    } catch (error) {
      this.ctx.log.warn({ error: (error as Error).message }, 'could not create the dead-letter topics');
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
}

/** kafkajs's default (3 s), or a third of the session timeout when that is shorter. */
function heartbeatInterval(config: KafkaConsumerConfig): number {
  return Math.max(100, Math.min(3000, Math.floor(config.session_timeout / 3)));
}
