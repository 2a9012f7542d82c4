/**
 * What an AMQP message means and who it is. A message is, as in Centrifugo's other consumers, a
 * server API command — the envelope `{"method","payload"}` as the body, or the method in the
 * `method_header` header and its params as the body — or, in publication data mode, the publication's
 * data with its channels and options in AMQP headers.
 *
 * Identity (the idempotency key's suffix): the message's `message-id` property when the publisher set
 * one, else a hash of (queue, body, headers but the broker's `x-`), so a redelivery (`redelivered` set, or the same message
 * delivered again to another node after a crash) is recognised by the engine and reaches no client twice.
 */
import { createHash } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import type { RabbitmqConsumerConfig } from '../../config/consumers/rabbitmq.js';
import { type ConsumedMessage, parseEnvelope, publicationFromHeaders, withTrace } from '../message.js';

/** AMQP header values as amqplib decodes them, flattened to text; tables and arrays are left out. */
export function headerMap(message: ConsumeMessage): Map<string, string> {
  const headers = new Map<string, string>();
  const table: unknown = message.properties.headers;
  if (typeof table !== 'object' || table === null) return headers;
  for (const [name, value] of Object.entries(table as Record<string, unknown>)) {
    const text = headerText(value);
    if (text !== undefined) headers.set(name.toLowerCase(), text);
  }
  return headers;
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  // amqplib keeps typed values it cannot represent natively as {type, value}.
  if (typeof value === 'object' && value !== null && 'value' in value) return headerText(value.value);
  return undefined;
}

/** The message as a command or a publication; throws PoisonMessageError when it is neither. */
export function decode(message: ConsumeMessage, config: RabbitmqConsumerConfig): ConsumedMessage {
  const headers = headerMap(message);
  if (config.publication_data_mode.enabled) {
    return withTrace(publicationFromHeaders(message.content, headers, config.publication_data_mode), headers);
  }
  const method = config.method_header === '' ? undefined : headers.get(config.method_header.toLowerCase());
  if (method !== undefined && method !== '')
    return withTrace({ kind: 'command', method, payload: message.content }, headers);
  return withTrace(parseEnvelope(message.content), headers);
}

/** `msg:<message-id>` when the publisher set one, else `sha256:<hash of queue, body and headers>`. */
export function identityOf(message: ConsumeMessage, queue: string): string {
  const id: unknown = message.properties.messageId;
  if (typeof id === 'string' && id !== '') return `msg:${id}`;
  const hash = createHash('sha256');
  hash.update(queue);
  hash.update('\0');
  hash.update(message.content);
  hash.update('\0');
  // Broker-set headers (`x-delivery-count` of quorum queues, `x-death`) change between deliveries.
  const headers = [...headerMap(message)]
    .filter(([name]) => !name.startsWith('x-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  hash.update(JSON.stringify(headers));
  return `sha256:${hash.digest('hex').slice(0, 40)}`;
}
