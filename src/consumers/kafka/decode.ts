/**
 * A Kafka message as a consumed message, as Centrifugo reads it: in publication data mode the value
 * is the publication's data and its channels and options come from headers; otherwise, with the
 * method header (`centrifugo-method`) present, the value is the method's params; without it the
 * value is the `{"method", "payload"}` envelope. Header names are compared case-insensitively.
 */
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { KafkaConsumerConfig } from '../../config/consumers/kafka.js';
import {
  type ConsumedMessage,
  PoisonMessageError,
  parseEnvelope,
  publicationFromHeaders,
  withTrace,
} from '../message.js';

/** The message's headers by lower-case name, values as UTF-8 (the first of repeated ones). */
export function headerMap(headers: IHeaders | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (!map.has(key)) map.set(key, typeof value === 'string' ? value : value.toString('utf8'));
  }
  return map;
}

/** Decodes `message`; throws {@link PoisonMessageError} when it can never be applied. */
export function decodeMessage(message: KafkaMessage, config: KafkaConsumerConfig): ConsumedMessage {
  const value = message.value;
  if (value === null) throw new PoisonMessageError('message has no value');
  const headers = headerMap(message.headers);
  if (config.publication_data_mode.enabled) {
    return withTrace(publicationFromHeaders(value, headers, config.publication_data_mode), headers);
  }
  const method = headers.get(config.method_header.toLowerCase());
  if (method !== undefined && method !== '')
    return withTrace({ kind: 'command', method, payload: value }, headers);
  return withTrace(parseEnvelope(value), headers);
}
