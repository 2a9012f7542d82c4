/**
 * Dead letters of a Kafka consumer: a message that can never be applied is produced, as it came
 * (key, value, headers), to the dead-letter topic (`dead_letter_topic`, by default
 * `<source topic>.dlq`) with the headers `centrifugo-dead-letter-reason` and
 * `centrifugo-dead-letter-source` (`<topic>:<partition>:<offset>`); only then is its offset
 * committed. While the broker refuses the write it is retried (capped backoff) and the partition
 * takes nothing new; a stop leaves the message uncommitted, so it is dead-lettered again later.
 */
import { type IHeaders, type Kafka, type KafkaMessage, Partitioners, type Producer } from 'kafkajs';
import { deadLetterTopic, type KafkaConsumerConfig } from '../../config/consumers/kafka.js';
import type { Logger } from '../../log.js';
import { pause } from '../retry.js';

export const REASON_HEADER = 'centrifugo-dead-letter-reason';
export const SOURCE_HEADER = 'centrifugo-dead-letter-source';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2000;

export class DeadLetters {
  private producer: Producer | undefined;
  private connected: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: KafkaConsumerConfig,
    private readonly log: Logger,
  ) {}

  /** The dead-letter topics of this consumer's topics (to create at start). */
  topics(): string[] {
    return [...new Set(this.config.topics.map((t) => deadLetterTopic(this.config, t)))];
  }

  /** Produces the dead letter; true once the broker has it, false if `signal` aborted first. */
  async send(
    source: { topic: string; partition: number; message: KafkaMessage },
    reason: string,
    signal: AbortSignal,
  ): Promise<boolean> {
    const { topic, partition, message } = source;
    const headers: IHeaders = {
      ...(message.headers ?? {}),
      [REASON_HEADER]: reason,
      [SOURCE_HEADER]: `${topic}:${partition}:${message.offset}`,
    };
    const target = deadLetterTopic(this.config, topic);
    let delay = FIRST_DELAY_MS;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const producer = await this.connect();
        await producer.send({
          topic: target,
          acks: -1,
          messages: [{ key: message.key, value: message.value, headers }],
        });
        return true;
      } catch (error) {
        if (attempt === 1 || attempt % 20 === 0) {
          this.log.warn(
            { topic: target, error: (error as Error).message, attempt },
            'dead letter not produced, retrying',
          );
        }
        await this.reset();
        await pause(delay, signal);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      }
    }
    return false;
  }

  async close(): Promise<void> {
    await this.reset();
  }

  private connect(): Promise<Producer> {
    if (this.producer === undefined) {
      const producer = this.kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: true,
        retry: { retries: 2 },
      });
      this.producer = producer;
      this.connected = producer.connect();
    }
    const producer = this.producer;
    return (this.connected ?? Promise.resolve()).then(() => producer);
  }

  private async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connected = undefined;
    await producer?.disconnect().catch(() => {});
  }
}
