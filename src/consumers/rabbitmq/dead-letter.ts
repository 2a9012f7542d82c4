/**
 * Publishes a message that can never be applied to the dead-letter destination, on the consumer's
 * confirm channel: the original body and properties, plus headers saying why
 * (`centrifugo-dead-letter-reason`), by which consumer and from which queue. Only once the broker
 * confirmed it (and routed it: `mandatory`, an unroutable one comes back as a `basic.return`) is the
 * original acknowledged, so a dead letter is never dropped on the way.
 */
import type { ConfirmChannel, ConsumeMessage, Message, Options } from 'amqplib';
import type { DeadLetterTarget } from './topology.js';

export const REASON_HEADER = 'centrifugo-dead-letter-reason';
export const CONSUMER_HEADER = 'centrifugo-dead-letter-consumer';
export const QUEUE_HEADER = 'centrifugo-dead-letter-queue';

/** Dead letters a consumer publishes, one at a time (the consumer applies messages sequentially). */
export class DeadLetterPublisher {
  private returned: Message | undefined;

  constructor(
    private readonly channel: ConfirmChannel,
    private readonly target: DeadLetterTarget,
    private readonly consumer: string,
    private readonly queue: string,
  ) {
    // A mandatory message no queue took comes back before its confirm.
    channel.on('return', (message: Message) => {
      this.returned = message;
    });
  }

  /** Resolves once the broker confirmed the dead letter; rejects when it was refused or not routed. */
  async publish(message: ConsumeMessage, reason: string): Promise<void> {
    const p = message.properties;
    const headers: Record<string, unknown> = {
      ...(typeof p.headers === 'object' && p.headers !== null ? p.headers : {}),
      [REASON_HEADER]: reason,
      [CONSUMER_HEADER]: this.consumer,
      [QUEUE_HEADER]: this.queue,
    };
    const options: Options.Publish = { headers, persistent: true, mandatory: true };
    if (typeof p.messageId === 'string') options.messageId = p.messageId;
    if (typeof p.contentType === 'string') options.contentType = p.contentType;
    if (typeof p.contentEncoding === 'string') options.contentEncoding = p.contentEncoding;
    if (typeof p.correlationId === 'string') options.correlationId = p.correlationId;
    if (typeof p.timestamp === 'number') options.timestamp = p.timestamp;
    if (typeof p.type === 'string') options.type = p.type;
    if (typeof p.appId === 'string') options.appId = p.appId;
    const routingKey = this.target.routingKey ?? message.fields.routingKey;
    this.returned = undefined;
    await new Promise<void>((resolve, reject) => {
      this.channel.publish(this.target.exchange, routingKey, message.content, options, (error: unknown) => {
        if (error !== null && error !== undefined) {
          reject(new Error(`dead letter to ${this.target.description} not confirmed: ${String(error)}`));
        } else resolve();
      });
    });
    if (this.returned !== undefined) {
      this.returned = undefined;
      throw new Error(
        `dead letter to ${this.target.description} with routing key "${routingKey}" reached no queue`,
      );
    }
  }
}
