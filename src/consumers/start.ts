/**
 * Starts the node's enabled consumers and reports their state: `problems()` feeds readiness, so a
 * node whose consumer cannot reach its queue is not ready, as the node is not while its engine is away.
 */
import type { ApiContext } from '../api/context.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Tracing } from '../tracing/tracing.js';
import { MessageApplier } from './applier.js';
import type { Consumer } from './consumer.js';
import { CONSUMER_FACTORIES } from './factories.js';
import type { ConsumerMetrics } from './metrics.js';

export interface RunningConsumers {
  /** Why consumers cannot consume (one line each); empty while all can. */
  problems(): string[];
  stop(): Promise<void>;
}

export async function startConsumers(
  config: Pick<Config, 'consumers'>,
  api: ApiContext,
  nodeId: string,
  metrics: ConsumerMetrics,
  log: Logger,
  /** A span per consumed message when `opentelemetry.consuming`. */
  tracing?: Tracing,
): Promise<RunningConsumers> {
  const consumers: Consumer[] = [];
  for (const c of config.consumers) {
    if (!c.enabled) continue;
    const factory = await CONSUMER_FACTORIES[c.type]();
    const consumer = factory({
      config: c,
      nodeId,
      applier: new MessageApplier(api, c.name, tracing),
      metrics,
      log: log.child({ consumer: c.name, type: c.type }),
    });
    consumers.push(consumer);
  }
  try {
    for (const consumer of consumers) await consumer.start();
  } catch (error) {
    await Promise.allSettled(consumers.map((c) => c.stop()));
    throw error;
  }
  if (consumers.length > 0) log.info({ consumers: consumers.map((c) => c.name) }, 'consumers started');
  return {
    problems: () =>
      consumers.flatMap((c) => {
        const problem = c.problem();
        return problem === undefined ? [] : [`consumer ${c.name}: ${problem}`];
      }),
    async stop() {
      await Promise.allSettled(consumers.map((c) => c.stop()));
    },
  };
}
