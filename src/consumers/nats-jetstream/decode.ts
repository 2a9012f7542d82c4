/**
 * A JetStream message as a consumed message, as Centrifugo reads it: in publication data mode the
 * body is the data and the channels and options come from headers; otherwise the body is the JSON
 * envelope `{"method","payload"}`, or — when the method header (`centrifugo-method`) is present —
 * the payload itself. Header names are compared case-insensitively.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { NatsJetStreamConsumerConfig } from '../../config/consumers/nats-jetstream.js';
import { type ConsumedMessage, parseEnvelope, publicationFromHeaders, withTrace } from '../message.js';

/** The message's headers, names lower-cased, the first value of each. */
export function headerMap(msg: JsMsg): Map<string, string> {
  const map = new Map<string, string>();
  const headers = msg.headers;
  if (headers === undefined) return map;
  for (const key of headers.keys()) {
    const name = key.toLowerCase();
    if (!map.has(name)) map.set(name, headers.get(key));
  }
  return map;
}

/** Throws `PoisonMessageError` for a message that is neither form. */
export function decode(msg: JsMsg, c: NatsJetStreamConsumerConfig): ConsumedMessage {
  const headers = headerMap(msg);
  if (c.publication_data_mode.enabled)
    return withTrace(publicationFromHeaders(msg.data, headers, c.publication_data_mode), headers);
  const method = c.method_header === '' ? undefined : headers.get(c.method_header.toLowerCase());
  if (method !== undefined && method !== '')
    return withTrace({ kind: 'command', method, payload: msg.data }, headers);
  return withTrace(parseEnvelope(msg.data), headers);
}

/** `<stream>:<stream sequence>`: the message's identity, the same on every redelivery. */
export function identityOf(msg: JsMsg): string {
  return `${msg.info.stream}:${msg.info.streamSequence}`;
}
