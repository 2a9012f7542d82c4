/**
 * The queue and the dead-letter destination, set up on every connection:
 * - `declare_queue`: the queue is declared (durable by default) with `x-single-active-consumer` (one
 *   node consumes at a time, the next takes over when it goes: order holds) and the dead-letter
 *   destination as its `x-dead-letter-exchange` (so what the broker itself dead-letters — expired,
 *   overflowed — lands where our dead letters do). Otherwise the queue must exist (passive check).
 * - dead letters go to `dead_letter_exchange` (checked to exist) or to the dead-letter queue, declared
 *   durable (`dead_letter_queue`, by default `<queue>.dead-letter`): never dropped for want of a DLX.
 */
import type { Channel } from 'amqplib';
import { deadLetterQueueName, type RabbitmqConsumerConfig } from '../../config/consumers/rabbitmq.js';

/** Where dead letters are published: an exchange and a routing key (undefined: the message's own). */
export interface DeadLetterTarget {
  readonly exchange: string;
  readonly routingKey: string | undefined;
  /** For logs and problems: `exchange "x"` or `queue "q"`. */
  readonly description: string;
}

export function deadLetterTarget(config: RabbitmqConsumerConfig): DeadLetterTarget {
  if (config.dead_letter_exchange !== '') {
    return {
      exchange: config.dead_letter_exchange,
      routingKey: config.dead_letter_routing_key === '' ? undefined : config.dead_letter_routing_key,
      description: `exchange "${config.dead_letter_exchange}"`,
    };
  }
  const queue = deadLetterQueueName(config);
  // The default exchange routes a message to the queue named by its routing key.
  return { exchange: '', routingKey: queue, description: `queue "${queue}"` };
}

/** The arguments of a queue this consumer declares. */
export function queueArguments(config: RabbitmqConsumerConfig): Record<string, unknown> {
  const target = deadLetterTarget(config);
  const args: Record<string, unknown> = { 'x-dead-letter-exchange': target.exchange };
  if (target.routingKey !== undefined) args['x-dead-letter-routing-key'] = target.routingKey;
  if (config.single_active_consumer) args['x-single-active-consumer'] = true;
  return args;
}

/**
 * Declares or checks the queue and the dead-letter destination. A failure (the queue missing, declared
 * with other arguments, the exchange missing) rejects with the broker's reason and closes the channel.
 */
export async function setUpTopology(channel: Channel, config: RabbitmqConsumerConfig): Promise<void> {
  if (config.dead_letter_exchange !== '') {
    await step(
      `dead-letter exchange "${config.dead_letter_exchange}"`,
      channel.checkExchange(config.dead_letter_exchange),
    );
  } else {
    const dlq = deadLetterQueueName(config);
    await step(`dead-letter queue "${dlq}"`, channel.assertQueue(dlq, { durable: true }));
  }
  if (config.declare_queue) {
    await step(
      `declaring queue "${config.queue}"`,
      channel.assertQueue(config.queue, { durable: config.durable, arguments: queueArguments(config) }),
    );
  } else {
    await step(`queue "${config.queue}"`, channel.checkQueue(config.queue));
  }
}

async function step(what: string, operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
