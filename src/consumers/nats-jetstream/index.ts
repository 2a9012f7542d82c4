/** The `nats_jetstream` consumer type: see consumer.ts for how it consumes. */
import type { ConsumerFactory } from '../consumer.js';
import { NatsJetStreamConsumer } from './consumer.js';

export const createNatsJetStreamConsumer: ConsumerFactory = (ctx) => new NatsJetStreamConsumer(ctx);
