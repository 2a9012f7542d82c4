/**
 * One fetched batch of one partition, message by message, in offset order: each is applied (or
 * dead-lettered) before the next is looked at, and its offset is resolved — and committed, at most
 * a second later or at the end of the batch — only after that. While a message waits (the engine
 * unreachable, the dead-letter topic unwritable) the group heartbeat goes on, so the partition stays
 * with this node and nothing new is taken. A stop, or the group taking the partition away, ends the
 * wait: the message is left unresolved and is delivered again (its idempotency key keeps a message
 * that did reach the engine from reaching clients twice).
 */
import type { EachBatchPayload } from 'kafkajs';
import type { KafkaConsumerConfig } from '../../config/consumers/kafka.js';
import type { Logger } from '../../log.js';
import type { MessageApplier } from '../applier.js';
import { PoisonMessageError } from '../message.js';
import type { ConsumerMetrics } from '../metrics.js';
import { applyWithRetry } from '../retry.js';
import type { DeadLetters } from './dead-letters.js';
import { decodeMessage } from './decode.js';

export interface BatchContext {
  readonly name: string;
  readonly config: KafkaConsumerConfig;
  readonly applier: MessageApplier;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
  readonly deadLetters: DeadLetters;
  /** Aborted by `stop()`. */
  readonly signal: AbortSignal;
  /** How often to heartbeat while one message waits. */
  readonly heartbeatMs: number;
}

export function batchHandler(ctx: BatchContext): (payload: EachBatchPayload) => Promise<void> {
  return async (payload) => {
    const { batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale } = payload;
    // One signal and one heartbeat timer for the whole batch: made per message, AbortSignal.any()
    // cost 30-60 us each and its dependent signals piled up on the long-lived stop signal.
    await whileHeartbeating(ctx, heartbeat, async (signal) => {
      for (const message of batch.messages) {
        if (signal.aborted || !isRunning() || isStale()) return;
        const source = { topic: batch.topic, partition: batch.partition, message };
        const done = await handle(ctx, source, signal);
        // Nothing is resolved once stopping: what is in flight is left to be delivered again.
        if (!done || signal.aborted) return;
        resolveOffset(message.offset);
        await commitOffsetsIfNecessary();
      }
    });
  };
}

type Source = Parameters<DeadLetters['send']>[0];

/** Applies or dead-letters one message; false if it must be delivered again. */
async function handle(ctx: BatchContext, source: Source, signal: AbortSignal): Promise<boolean> {
  const identity = `${source.topic}:${source.partition}:${source.message.offset}`;
  let reason: string;
  try {
    const message = decodeMessage(source.message, ctx.config);
    const outcome = await applyWithRetry(ctx.applier, message, identity, {
      consumer: ctx.name,
      metrics: ctx.metrics,
      log: ctx.log,
      signal,
    });
    if (outcome.status === 'stopped') return false;
    if (outcome.status === 'applied') return true;
    reason = outcome.reason;
  } catch (error) {
    if (!(error instanceof PoisonMessageError)) throw error;
    reason = error.message;
    ctx.metrics.deadLettered(ctx.name);
    ctx.log.warn({ consumer: ctx.name, id: identity, reason }, 'message dead-lettered');
  }
  return ctx.deadLetters.send(source, reason, signal);
}

/**
 * Runs `work` (a batch) with a signal aborted by `stop()` or by a failed heartbeat (a rebalance
 * took the partition, or the session is gone), heartbeating every `heartbeatMs` meanwhile.
 */
async function whileHeartbeating<T>(
  ctx: BatchContext,
  heartbeat: () => Promise<void>,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const lost = new AbortController();
  const signal = AbortSignal.any([ctx.signal, lost.signal]);
  /** One heartbeat at a time: a slow one is not stacked on. */
  let beating = false;
  const timer = setInterval(() => {
    if (beating) return;
    beating = true;
    heartbeat()
      .catch((error: unknown) => {
        ctx.log.info(
          { error: (error as Error).message },
          'heartbeat failed while a message waits: leaving it',
        );
        lost.abort();
      })
      .finally(() => {
        beating = false;
      });
  }, ctx.heartbeatMs);
  try {
    return await work(signal);
  } finally {
    clearInterval(timer);
  }
}
