/**
 * Watches the brokers from the side: every few seconds an admin request reads the group's committed
 * offsets and the topics' end offsets. The sum of the differences is the group's lag (messages no
 * member has committed yet; every node of the group reports the same number); a request that fails
 * or gets no answer in time means the brokers cannot be reached, which readiness reports until a
 * request succeeds again. Each probe uses a fresh admin connection, so no broken state carries over.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { KafkaConsumerConfig } from '../../config/consumers/kafka.js';
import type { Logger } from '../../log.js';
import { kafkaClient } from './client.js';

export const LAG_INTERVAL_MS = 2000;

export class LagWatch {
  private readonly kafka: Kafka;
  /** A probe with no answer by then counts as failed (a broker that accepts but never answers). */
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failure: string | undefined;

  constructor(
    private readonly config: KafkaConsumerConfig,
    private readonly log: Logger,
    private readonly report: (lag: number) => void,
    /** Called after each probe. */
    private readonly onProbe: () => void,
  ) {
    this.kafka = kafkaClient(config, log, true);
    this.timeoutMs = Math.max(3000, 2 * config.dial_timeout);
  }

  /** Why the last probe failed, or undefined once one succeeded. */
  problem(): string | undefined {
    return this.failure;
  }

  start(): void {
    const tick = (): void => {
      this.running = this.probe().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, LAG_INTERVAL_MS);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async probe(): Promise<void> {
    const admin = this.kafka.admin({ retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 } });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      this.report(await Promise.race([this.lag(admin), late]));
      if (this.failure !== undefined) this.log.info('Kafka brokers reachable again');
      this.failure = undefined;
    } catch (error) {
      const message = (error as Error).message;
      if (this.failure === undefined) this.log.warn({ error: message }, 'Kafka brokers unreachable');
      this.failure = `cannot reach Kafka brokers: ${message}`;
    } finally {
      clearTimeout(timer);
      // Not awaited: a broker that never answers must not hold the next probe.
      void admin.disconnect().catch(() => {});
    }
    this.onProbe();
  }

  private async lag(admin: Admin): Promise<number> {
    await admin.connect();
    const groupId = this.config.consumer_group;
    const committed = await admin.fetchOffsets({ groupId, topics: this.config.topics });
    let total = 0;
    for (const { topic, partitions } of committed) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const end of ends) {
        const at = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const from = Number(at) >= 0 ? Number(at) : Number(end.low);
        total += Math.max(0, Number(end.high) - from);
      }
    }
    return total;
  }
}
