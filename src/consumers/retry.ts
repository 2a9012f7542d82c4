/**
 * Applies one message until it is applied or known to be poison: while the engine is unreachable
 * the same message is retried with a capped exponential backoff and the consumer takes nothing
 * new (backpressure; nothing is lost, nothing reordered). A stop ends the wait: the message is
 * then left unacknowledged, and the queue redelivers it.
 */
import type { Logger } from '../log.js';
import type { ApplyOutcome, MessageApplier } from './applier.js';
import type { ConsumedMessage } from './message.js';
import type { ConsumerMetrics } from './metrics.js';

const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 2_000;

export type FinalOutcome = Exclude<ApplyOutcome, { status: 'retry' }> | { readonly status: 'stopped' };

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function applyWithRetry(
  applier: MessageApplier,
  message: ConsumedMessage,
  identity: string,
  context: { consumer: string; metrics: ConsumerMetrics; log: Logger; signal: AbortSignal },
): Promise<FinalOutcome> {
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    const outcome = await applier.apply(message, identity);
    if (outcome.status === 'applied') {
      context.metrics.applied(context.consumer);
      return outcome;
    }
    if (outcome.status === 'dead') {
      context.metrics.deadLettered(context.consumer);
      context.log.warn(
        { consumer: context.consumer, id: identity, reason: outcome.reason },
        'message dead-lettered',
      );
      return outcome;
    }
    context.metrics.retried(context.consumer);
    if (attempt === 1 || attempt % 20 === 0) {
      context.log.warn(
        { consumer: context.consumer, id: identity, reason: outcome.reason, attempt },
        'message not applied, retrying',
      );
    }
    if (context.signal.aborted) return { status: 'stopped' };
    await pause(delay, context.signal);
    if (context.signal.aborted) return { status: 'stopped' };
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}
