/**
 * `consumers`: queues the node takes server API commands (or publication data) from, in Centrifugo
 * v6's shape: `[{name, enabled, type, <type>: {...}}]`, every type's section present with its
 * defaults, only the one named by `type` used and checked.
 */
import { z } from 'zod';
import { checkKafka, kafkaSchema } from './consumers/kafka.js';
import { checkNatsJetStream, natsJetStreamSchema } from './consumers/nats-jetstream.js';
import { checkPostgresql, postgresqlSchema } from './consumers/postgresql.js';
import { checkRabbitmq, rabbitmqSchema } from './consumers/rabbitmq.js';
import { checkRedisStream, redisStreamSchema } from './consumers/redis-stream.js';
import { bool, describeValue, expected } from './fields.js';

export const CONSUMER_TYPES = ['kafka', 'rabbitmq', 'redis_stream', 'nats_jetstream', 'postgresql'] as const;
export type ConsumerType = (typeof CONSUMER_TYPES)[number];

const consumerSchema = z
  .strictObject(
    {
      name: z.string({ error: expected('a consumer name (a string)') }).regex(/^[A-Za-z0-9_.-]+$/, {
        error: (i) => `expected a name of letters, digits, "_", "." or "-", got ${describeValue(i.input)}`,
      }),
      enabled: bool(false),
      type: z.enum(CONSUMER_TYPES, { error: expected(`one of ${CONSUMER_TYPES.join(', ')}`) }),
      kafka: kafkaSchema,
      rabbitmq: rabbitmqSchema,
      redis_stream: redisStreamSchema,
      nats_jetstream: natsJetStreamSchema,
      postgresql: postgresqlSchema,
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? expected('a consumer (a mapping with "name" and "type")')(issue)
          : undefined,
    },
  )
  .superRefine((c, ctx) => {
    if (!c.enabled) return;
    const issue = (path: (string | number)[], message: string, input: unknown): void => {
      ctx.addIssue({ code: 'custom', path: [c.type, ...path], message, input });
    };
    switch (c.type) {
      case 'kafka':
        return checkKafka(c.kafka, issue);
      case 'rabbitmq':
        return checkRabbitmq(c.rabbitmq, issue);
      case 'redis_stream':
        return checkRedisStream(c.redis_stream, issue);
      case 'nats_jetstream':
        return checkNatsJetStream(c.nats_jetstream, issue);
      case 'postgresql':
        return checkPostgresql(c.postgresql, issue);
    }
  });

export const consumersSchema = z
  .array(consumerSchema, { error: (i) => `expected a list of consumers, got ${describeValue(i.input)}` })
  .default(() => [])
  .superRefine((consumers, ctx) => {
    const seen = new Set<string>();
    consumers.forEach((c, index) => {
      if (seen.has(c.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          input: c.name,
          message: `expected a unique name, got "${c.name}" again`,
        });
      }
      seen.add(c.name);
    });
  });

/** One `consumers` entry, resolved. */
export type ConsumerConfig = z.output<typeof consumersSchema>[number];
