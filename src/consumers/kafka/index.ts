/** The `kafka` consumer type: see consumer.ts. */
import type { ConsumerFactory } from '../consumer.js';
import { KafkaConsumer } from './consumer.js';

export const createKafkaConsumer: ConsumerFactory = (ctx) => new KafkaConsumer(ctx);
