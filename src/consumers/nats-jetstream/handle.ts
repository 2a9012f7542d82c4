/**
 * One JetStream message, start to end: decoded, applied (retried in place while the engine is
 * unreachable, `+WPI` sent every third of the ack wait meanwhile so JetStream neither redelivers it
 * nor hands the next one out), then acknowledged with `ackAck` once applied, or dead-lettered and
 * terminated when it can never be. Never a `nak` for an engine outage: the message stays here.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { NatsJetStreamConsumerConfig } from '../../config/consumers/nats-jetstream.js';
import type { Logger } from '../../log.js';
import type { MessageApplier } from '../applier.js';
import { PoisonMessageError } from '../message.js';
import type { ConsumerMetrics } from '../metrics.js';
import { applyWithRetry, type FinalOutcome } from '../retry.js';
import { deadLetter } from './dead-letter.js';
import { decode, identityOf } from './decode.js';

export type Handled = 'acked' | 'dead-lettered' | 'stopped' | 'failed';

export interface HandleContext {
  readonly consumer: string;
  readonly config: NatsJetStreamConsumerConfig;
  readonly applier: MessageApplier;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
  readonly js: JetStreamClient;
  readonly deadLetterSubject: string;
  readonly signal: AbortSignal;
}

const ACK_TIMEOUT_MS = 5_000;

export async function handleMessage(msg: JsMsg, h: HandleContext): Promise<Handled> {
  const identity = identityOf(msg);
  const keepalive = setInterval(() => msg.working(), Math.max(100, Math.floor(h.config.ack_wait / 3)));
  try {
    const outcome = await apply(msg, identity, h);
    if (outcome.status === 'stopped') return 'stopped';
    if (outcome.status === 'dead') {
      const stored = await deadLetter(h.js, msg, outcome.reason, {
        subject: h.deadLetterSubject,
        consumer: h.consumer,
        log: h.log,
        signal: h.signal,
      });
      return stored ? 'dead-lettered' : 'stopped';
    }
    return (await acknowledge(msg, identity, h)) ? 'acked' : 'failed';
  } catch (error) {
    // Not acknowledged: JetStream redelivers it once the ack wait is over.
    h.log.error({ consumer: h.consumer, id: identity, err: error }, 'message failed, left for redelivery');
    return 'failed';
  } finally {
    clearInterval(keepalive);
  }
}

async function apply(msg: JsMsg, identity: string, h: HandleContext): Promise<FinalOutcome> {
  let message: ReturnType<typeof decode>;
  try {
    message = decode(msg, h.config);
  } catch (error) {
    if (!(error instanceof PoisonMessageError)) throw error;
    h.metrics.deadLettered(h.consumer);
    h.log.warn({ consumer: h.consumer, id: identity, reason: error.message }, 'message dead-lettered');
    return { status: 'dead', reason: error.message };
  }
  return applyWithRetry(h.applier, message, identity, {
    consumer: h.consumer,
    metrics: h.metrics,
    log: h.log,
    signal: h.signal,
  });
}

/**
 * `ackAck`: the server confirms it. (The client sends an ack once: a second call answers false.)
 * Unconfirmed — the connection was lost meanwhile — the ack may still land after the reconnect; if
 * it does not, the message is redelivered and its idempotency key keeps it from clients.
 */
async function acknowledge(msg: JsMsg, identity: string, h: HandleContext): Promise<boolean> {
  try {
    return await msg.ackAck({ timeout: ACK_TIMEOUT_MS });
  } catch (error) {
    h.log.warn({ consumer: h.consumer, id: identity, err: String(error) }, 'ack not confirmed');
    return false;
  }
}
