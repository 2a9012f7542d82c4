/**
 * The `rabbitmq` consumer type (AMQP 0-9-1, through amqplib): server API commands or publication data
 * from a RabbitMQ queue, applied in order and acknowledged once applied. See `consumer.ts` (reconnects,
 * readiness), `session.ts` (consuming, ordering, backpressure), `topology.ts` (queue and dead-letter
 * declaration), `dead-letter.ts` and `decode.ts` (message forms and identity).
 */
import type { ConsumerFactory } from '../consumer.js';
import { RabbitmqConsumer } from './consumer.js';

export const createRabbitmqConsumer: ConsumerFactory = (ctx) => new RabbitmqConsumer(ctx);
