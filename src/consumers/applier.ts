/**
 * Applies a consumed message as a server API call on this node, exactly as `POST /api` would:
 * the same methods, validation and errors. `publish` and `broadcast` (and publication data mode)
 * get an idempotency key derived from the message's identity in its queue (`<consumer>:<id>`)
 * unless they carry one, so a redelivered message is recognised by the engine and reaches no
 * client twice (within `http_api.idempotency_ttl`). The call resolves once the publication is in
 * the engine, so a consumer acknowledges only what is durable there.
 *
 * Outcomes: `applied`; `retry` — the engine is unreachable (or another temporary failure): the
 * consumer waits and retries the same message, taking nothing new; `dead` — the message can never
 * be applied (bad JSON, unknown method, refused channel, bad params): it goes to dead letters.
 */

import { isUtf8 } from 'node:buffer';
import type { ApiContext } from '../api/context.js';
import { type CallOutcome, callMethod } from '../api/dispatch.js';
import type { Tracing } from '../tracing/tracing.js';
import { type ConsumedMessage, type MessageTrace, PoisonMessageError } from './message.js';

export type ApplyOutcome =
  | { readonly status: 'applied' }
  | { readonly status: 'retry'; readonly reason: string }
  | { readonly status: 'dead'; readonly reason: string; readonly code?: number };

/** Methods whose params get a derived idempotency key. */
const PUBLISHING = new Set(['publish', 'broadcast']);

export class MessageApplier {
  /** The tracing of consumed messages, when `opentelemetry.consuming`. */
  private readonly tracing: Tracing | undefined;

  /** @param tracing a consumer span per message (each attempt) when `opentelemetry.consuming`. */
  constructor(
    private readonly api: ApiContext,
    /** The consumer's name, prefixing derived idempotency keys. */
    private readonly consumer: string,
    tracing?: Tracing,
  ) {
    this.tracing = tracing?.consuming === true ? tracing : undefined;
  }

  /** Applies `message`, known in its queue as `identity` (topic/partition/offset, stream id, row id …). */
  async apply(message: ConsumedMessage, identity: string): Promise<ApplyOutcome> {
    const tracing = this.tracing;
    if (tracing === undefined) return (await this.run(message, identity)).outcome;
    const span = tracing.start(
      `consume ${this.consumer}`,
      'consumer',
      { 'switchboard.consumer.name': this.consumer, 'messaging.message.id': identity },
      message.trace === undefined ? undefined : traceCarrier(message.trace),
    );
    try {
      const { outcome, method } = await this.run(message, identity);
      span.setAttribute('switchboard.consumer.outcome', outcome.status);
      if (method !== undefined) span.setAttribute('switchboard.api.method', method);
      tracing.end(span, outcome.status === 'applied' ? undefined : outcome.reason);
      return outcome;
    } catch (error) {
      tracing.end(span, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  private async run(
    message: ConsumedMessage,
    identity: string,
  ): Promise<{ outcome: ApplyOutcome; method?: string }> {
    let method: string;
    let params: Record<string, unknown>;
    try {
      ({ method, params } = this.toCall(message));
    } catch (error) {
      if (error instanceof PoisonMessageError) return { outcome: { status: 'dead', reason: error.message } };
      throw error;
    }
    if (PUBLISHING.has(method) && params['idempotency_key'] === undefined) {
      params['idempotency_key'] = `${this.consumer}:${identity}`;
    }
    return { outcome: classify(method, await callMethod(this.api, method, params)), method };
  }

  private toCall(message: ConsumedMessage): { method: string; params: Record<string, unknown> } {
    if (message.kind === 'command') return { method: message.method, params: paramsOf(message.payload) };
    const params: Record<string, unknown> = {};
    const data =
      typeof message.data === 'string' ? Buffer.from(message.data, 'utf8') : Buffer.from(message.data);
    const json = jsonValue(data);
    if (json !== undefined) params['data'] = json.value;
    else params['b64data'] = data.toString('base64');
    if (message.idempotencyKey !== undefined) params['idempotency_key'] = message.idempotencyKey;
    if (message.delta === true) params['delta'] = true;
    if (message.version !== undefined) params['version'] = message.version;
    if (message.versionEpoch !== undefined) params['version_epoch'] = message.versionEpoch;
    if (message.tags !== undefined) params['tags'] = message.tags;
    if (message.channels.length === 1)
      return { method: 'publish', params: { ...params, channel: message.channels[0] } };
    return { method: 'broadcast', params: { ...params, channels: message.channels } };
  }
}

function traceCarrier(trace: MessageTrace): (name: string) => string | undefined {
  return (name) =>
    name === 'traceparent' ? trace.traceparent : name === 'tracestate' ? trace.tracestate : undefined;
}

function jsonValue(bytes: Buffer): { value: unknown } | undefined {
  if (bytes.length === 0 || !isUtf8(bytes)) return undefined;
  try {
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch {
    return undefined;
  }
}

function paramsOf(payload: string | Uint8Array | Record<string, unknown>): Record<string, unknown> {
  if (typeof payload === 'object' && !(payload instanceof Uint8Array)) return { ...payload };
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PoisonMessageError('payload is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PoisonMessageError('payload must be a JSON object');
  }
  return value as Record<string, unknown>;
}

interface WireError {
  code: number;
  message: string;
  temporary?: boolean;
}

/** A temporary error (the engine unreachable: 100 temporary; too many requests) is retried; any other is final. */
function classifyError({ code, message, temporary }: WireError): ApplyOutcome {
  if (temporary === true) return { status: 'retry', reason: `${code}: ${message}` };
  return { status: 'dead', reason: `${code}: ${message}`, code };
}

/**
 * `broadcast` answers per channel: a temporary failure of any channel retries the whole message
 * (the channels that took it recognise the idempotency key), a final one sends it to dead letters
 * once the others took it.
 */
function classify(method: string, outcome: CallOutcome): ApplyOutcome {
  if ('error' in outcome) return classifyError(outcome.error);
  if (method !== 'broadcast') return { status: 'applied' };
  const { responses } = JSON.parse(outcome.result) as { responses: Array<{ error?: WireError }> };
  const errors = responses.flatMap((r) => (r.error === undefined ? [] : [r.error]));
  const temporary = errors.find((e) => e.temporary === true);
  if (temporary !== undefined) return classifyError(temporary);
  return errors.length > 0 ? classifyError(errors[0]!) : { status: 'applied' };
}
