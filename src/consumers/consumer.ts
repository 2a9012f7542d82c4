/**
 * A consumer: one configured queue the node takes messages from. Each type (kafka, rabbitmq,
 * redis_stream, nats_jetstream, postgresql) implements it in its folder; they share the applier
 * (a message becomes a server API call, acknowledged only once it applied), the retry loop
 * (while the engine is unreachable the same message is retried and nothing more is taken) and
 * the metrics.
 */
import type { ConsumerConfig } from '../config/consumers-schema.js';
import type { Logger } from '../log.js';
import type { MessageApplier } from './applier.js';
import type { ConsumerMetrics } from './metrics.js';

export interface Consumer {
  readonly name: string;
  /** Connects and starts consuming in the background; resolves once started (not once connected). */
  start(): Promise<void>;
  /** Stops taking messages, lets the one in flight finish or leaves it unacknowledged, disconnects. */
  stop(): Promise<void>;
  /** Why the consumer cannot consume right now (cannot connect, …), or undefined while it can. */
  problem(): string | undefined;
}

/** What a consumer is built with. */
export interface ConsumerContext {
  readonly config: ConsumerConfig;
  /** The node's uid, for consumer names in groups. */
  readonly nodeId: string;
  readonly applier: MessageApplier;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
}

export type ConsumerFactory = (ctx: ConsumerContext) => Consumer;
