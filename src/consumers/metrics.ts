/**
 * Metrics of the consumers, by consumer name: messages applied, retried (not applied yet: the
 * engine unreachable) and dead-lettered; the lag where the queue tells it (messages not yet taken);
 * and whether the consumer is connected.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX as P } from '../metrics/names.js';

export interface ConsumerMetrics {
  applied(consumer: string, count?: number): void;
  retried(consumer: string): void;
  deadLettered(consumer: string): void;
  /** Messages in the queue not yet taken by this consumer (or its group), where known. */
  lag(consumer: string, messages: number): void;
  up(consumer: string, connected: boolean): void;
}

export const NO_CONSUMER_METRICS: ConsumerMetrics = {
  applied() {},
  retried() {},
  deadLettered() {},
  lag() {},
  up() {},
};

export function consumerMetrics(registry: Registry): ConsumerMetrics {
  const registers = [registry];
  const messages = new Counter({
    name: `${P}consumer_messages_total`,
    help: 'Messages taken from queues by consumer and result: applied, retried (engine unreachable), dead_lettered.',
    labelNames: ['consumer', 'result'],
    registers,
  });
  const lag = new Gauge({
    name: `${P}consumer_lag_messages`,
    help: 'Messages in the queue the consumer has not taken yet, where the queue tells it.',
    labelNames: ['consumer'],
    registers,
  });
  const up = new Gauge({
    name: `${P}consumer_up`,
    help: '1 while the consumer is connected to its queue, 0 while it cannot connect.',
    labelNames: ['consumer'],
    registers,
  });
  return {
    applied: (consumer, count = 1) => messages.inc({ consumer, result: 'applied' }, count),
    retried: (consumer) => messages.inc({ consumer, result: 'retried' }),
    deadLettered: (consumer) => messages.inc({ consumer, result: 'dead_lettered' }),
    lag: (consumer, n) => lag.set({ consumer }, n),
    up: (consumer, connected) => up.set({ consumer }, connected ? 1 : 0),
  };
}
