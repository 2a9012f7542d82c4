/**
 * The consumer of each type, loaded on first use, so a node without Kafka never loads kafkajs.
 */
import type { ConsumerType } from '../config/consumers-schema.js';
import type { ConsumerFactory } from './consumer.js';

export const CONSUMER_FACTORIES: Record<ConsumerType, () => Promise<ConsumerFactory>> = {
  kafka: async () => (await import('./kafka/index.js')).createKafkaConsumer,
  rabbitmq: async () => (await import('./rabbitmq/index.js')).createRabbitmqConsumer,
  redis_stream: async () => (await import('./redis-stream/index.js')).createRedisStreamConsumer,
  nats_jetstream: async () => (await import('./nats-jetstream/index.js')).createNatsJetStreamConsumer,
  postgresql: async () => (await import('./postgresql/index.js')).createPostgresqlConsumer,
};
