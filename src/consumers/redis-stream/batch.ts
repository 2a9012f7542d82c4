/**
 * Applies one batch of a stream's entries in id order and acknowledges what is done. All entries
 * are started at once, in order, so the engine pipelines them while keeping each channel's
 * publications in order (a channel's commands run in the order sent, on one connection). Results
 * are then taken in order: applied ones are acknowledged, dead ones go to the dead-letter stream
 * first; from the first entry that must be retried (the engine unreachable) the rest of the batch
 * is applied again one by one with {@link applyWithRetry}, each acknowledged once applied (an entry
 * that had already gone through is recognised by its idempotency key and reaches no client twice).
 */
import type { Logger } from '../../log.js';
import type { ApplyOutcome, MessageApplier } from '../applier.js';
import { type ConsumedMessage, PoisonMessageError } from '../message.js';
import type { ConsumerMetrics } from '../metrics.js';
import { applyWithRetry } from '../retry.js';
import type { StreamEntry } from './entry.js';

/** Where a batch's results go: the stream's acknowledgements and its dead letters. */
export interface BatchSink {
  /** Acknowledges `ids`, retrying while the queue is unreachable; false once stopped. */
  ack(ids: string[], signal: AbortSignal): Promise<boolean>;
  /** Adds the entries with their reasons to the dead-letter stream; false once stopped. */
  deadLetter(entries: { entry: StreamEntry; reason: string }[], signal: AbortSignal): Promise<boolean>;
}

export interface BatchContext {
  readonly consumer: string;
  readonly stream: string;
  readonly applier: MessageApplier;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
  readonly sink: BatchSink;
  readonly toMessage: (entry: StreamEntry) => ConsumedMessage;
}

type Parsed = { message: ConsumedMessage } | { poison: string };

function parse(ctx: BatchContext, entry: StreamEntry): Parsed {
  try {
    return { message: ctx.toMessage(entry) };
  } catch (error) {
    if (error instanceof PoisonMessageError) return { poison: error.message };
    return { poison: error instanceof Error ? error.message : String(error) };
  }
}

async function firstAttempt(ctx: BatchContext, parsed: Parsed, identity: string): Promise<ApplyOutcome> {
  if ('poison' in parsed) return { status: 'dead', reason: parsed.poison };
  try {
    return await ctx.applier.apply(parsed.message, identity);
  } catch (error) {
    return { status: 'retry', reason: error instanceof Error ? error.message : String(error) };
  }
}

/** `done` once every entry is acknowledged; `stopped` when `signal` aborted first (the rest stays pending). */
export async function applyBatch(
  ctx: BatchContext,
  entries: readonly StreamEntry[],
  signal: AbortSignal,
): Promise<'done' | 'stopped'> {
  const parsed = entries.map((entry) => parse(ctx, entry));
  const identity = (entry: StreamEntry): string => `${ctx.stream}:${entry.id}`;
  const outcomes = await Promise.all(entries.map((e, i) => firstAttempt(ctx, parsed[i]!, identity(e))));
  const done: string[] = [];
  const dead: { entry: StreamEntry; reason: string }[] = [];
  let applied = 0;
  let i = 0;
  for (; i < entries.length; i++) {
    const outcome = outcomes[i]!;
    if (outcome.status === 'retry') break;
    const entry = entries[i]!;
    if (outcome.status === 'applied') applied++;
    else {
      ctx.metrics.deadLettered(ctx.consumer);
      ctx.log.warn(
        { consumer: ctx.consumer, id: identity(entry), reason: outcome.reason },
        'message dead-lettered',
      );
      dead.push({ entry, reason: outcome.reason });
    }
    done.push(entry.id);
  }
  if (applied > 0) ctx.metrics.applied(ctx.consumer, applied);
  if (!(await settle(ctx, done, dead, signal))) return 'stopped';
  if (i === entries.length) return 'done';
  ctx.metrics.retried(ctx.consumer);
  for (; i < entries.length; i++) {
    const entry = entries[i]!;
    const p = parsed[i]!;
    const outcome =
      'poison' in p
        ? { status: 'dead' as const, reason: p.poison }
        : await applyWithRetry(ctx.applier, p.message, identity(entry), { ...ctx, signal });
    if (outcome.status === 'stopped') return 'stopped';
    if ('poison' in p) {
      ctx.metrics.deadLettered(ctx.consumer);
      ctx.log.warn(
        { consumer: ctx.consumer, id: identity(entry), reason: p.poison },
        'message dead-lettered',
      );
    }
    const deadOne = outcome.status === 'dead' ? [{ entry, reason: outcome.reason }] : [];
    if (!(await settle(ctx, [entry.id], deadOne, signal))) return 'stopped';
  }
  return 'done';
}

/** Dead letters first, then the acknowledgement, so a crash between them loses nothing. */
async function settle(
  ctx: BatchContext,
  ids: string[],
  dead: { entry: StreamEntry; reason: string }[],
  signal: AbortSignal,
): Promise<boolean> {
  if (dead.length > 0 && !(await ctx.sink.deadLetter(dead, signal))) return false;
  if (ids.length === 0) return true;
  return ctx.sink.ack(ids, signal);
}
