/** PLACEHOLDER until the consumer of this type is written: it refuses to start. */
import type { ConsumerFactory } from '../consumer.js';

export const createPostgresqlConsumer: ConsumerFactory = (ctx) => {
  throw new Error(`consumer "${ctx.config.name}": type ${ctx.config.type} is not available yet`);
};
