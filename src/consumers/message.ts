/**
 * A message taken from a queue, in one of Centrifugo's two forms: a server API command
 * (`{"method":"publish","payload":{...}}`, or the method in a header and the payload as the body),
 * or, in publication data mode, the publication's data with its channels and options from headers.
 */

/** The W3C trace context a message carried in its headers (`traceparent`, `tracestate`). */
export interface MessageTrace {
  readonly traceparent: string;
  readonly tracestate?: string;
}

export interface CommandMessage {
  readonly kind: 'command';
  /** The trace the message continues, where the queue has headers and the producer set them. */
  readonly trace?: MessageTrace;
  readonly method: string;
  /** The method's params: JSON text (or bytes of it), or already parsed. */
  readonly payload: string | Uint8Array | Record<string, unknown>;
}

export interface PublicationMessage {
  readonly kind: 'publication';
  readonly trace?: MessageTrace;
  readonly channels: string[];
  /** The publication's data as it came: JSON bytes, or other bytes (sent as `b64data`). */
  readonly data: Uint8Array | string;
  readonly idempotencyKey?: string;
  readonly delta?: boolean;
  readonly version?: number;
  readonly versionEpoch?: string;
  readonly tags?: Record<string, string>;
}

export type ConsumedMessage = CommandMessage | PublicationMessage;

/**
 * `message` with the trace context of `headers` (names lower-case), when they hold a `traceparent`;
 * otherwise `message` itself.
 */
export function withTrace<M extends ConsumedMessage>(message: M, headers: ReadonlyMap<string, string>): M {
  const traceparent = headers.get('traceparent');
  if (traceparent === undefined || traceparent === '') return message;
  const tracestate = headers.get('tracestate');
  return { ...message, trace: tracestate === undefined ? { traceparent } : { traceparent, tracestate } };
}

/** Why a message can never be applied: it goes to the dead-letter destination. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

/**
 * Reads the JSON envelope `{"method": "...", "payload": {...}}` (Centrifugo's consumer message).
 * Throws {@link PoisonMessageError} for anything else.
 */
export function parseEnvelope(body: Uint8Array | string): CommandMessage {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    throw new PoisonMessageError('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PoisonMessageError('expected a JSON object {"method", "payload"}');
  }
  const { method, payload } = value as Record<string, unknown>;
  if (typeof method !== 'string' || method === '')
    throw new PoisonMessageError('"method" must be a non-empty string');
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new PoisonMessageError('"payload" must be an object');
  }
  return { kind: 'command', method, payload: payload as Record<string, unknown> };
}

/**
 * Publication data mode's options from headers (names as configured, compared lower-case):
 * channels (comma-separated), idempotency key, delta, version, version epoch, tags by prefix.
 */
export function publicationFromHeaders(
  data: Uint8Array | string,
  headers: ReadonlyMap<string, string>,
  names: {
    channels_header: string;
    idempotency_key_header: string;
    delta_header: string;
    version_header: string;
    version_epoch_header: string;
    tags_header_prefix: string;
  },
): PublicationMessage {
  const get = (name: string): string | undefined => headers.get(name.toLowerCase());
  const channels = (get(names.channels_header) ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (channels.length === 0) throw new PoisonMessageError(`no channels in header "${names.channels_header}"`);
  const message: {
    -readonly [K in keyof PublicationMessage]: PublicationMessage[K];
  } = { kind: 'publication', channels, data };
  const key = get(names.idempotency_key_header);
  if (key !== undefined && key !== '') message.idempotencyKey = key;
  if (get(names.delta_header) === 'true') message.delta = true;
  const version = get(names.version_header);
  if (version !== undefined && version !== '') {
    const n = Number(version);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new PoisonMessageError(`"${names.version_header}" must be an integer`);
    message.version = n;
  }
  const epoch = get(names.version_epoch_header);
  if (epoch !== undefined && epoch !== '') message.versionEpoch = epoch;
  const prefix = names.tags_header_prefix.toLowerCase();
  let tags: Record<string, string> | undefined;
  for (const [name, value] of headers) {
    if (prefix !== '' && name.startsWith(prefix) && name.length > prefix.length) {
      tags ??= {};
      tags[name.slice(prefix.length)] = value;
    }
  }
  if (tags !== undefined) message.tags = tags;
  return message;
}
