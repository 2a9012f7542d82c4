/**
 * Stream entries as Redis returns them (`XREADGROUP`, `XAUTOCLAIM`, read as bytes so binary
 * payloads survive), and what an entry means: in command mode the method from the `method_value`
 * field and the params from the `payload_value` field, or, without a method field, the payload as
 * Centrifugo's envelope `{"method", "payload"}`; in publication data mode the payload field is the
 * data and the other fields carry channels and options (`publication_data_mode.*_value`).
 */
import type { RedisStreamConsumerConfig } from '../../config/consumers/redis-stream.js';
import {
  type ConsumedMessage,
  PoisonMessageError,
  parseEnvelope,
  publicationFromHeaders,
  withTrace,
} from '../message.js';

export interface StreamEntry {
  readonly id: string;
  /** Field names and values in order, as XADD got them (for dead letters). */
  readonly raw: readonly Buffer[];
  readonly fields: ReadonlyMap<string, Buffer>;
}

function isBuffer(value: unknown): value is Buffer {
  return Buffer.isBuffer(value);
}

/** One `[id, [field, value, …]]` pair; undefined for an entry deleted meanwhile (fields nil). */
function entryOf(item: unknown): StreamEntry | undefined {
  if (!Array.isArray(item) || !isBuffer(item[0])) throw new Error('unexpected stream entry reply');
  const id = item[0].toString();
  const list: unknown = item[1];
  if (!Array.isArray(list)) return undefined;
  const raw = list.filter(isBuffer);
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(raw[i]!.toString(), raw[i + 1]!);
  return { id, raw, fields };
}

/** Entries of a list of `[id, fields]` pairs; deleted ones (fields nil) come back as ids in `deleted`. */
export function entriesOf(list: unknown): { entries: StreamEntry[]; deleted: string[] } {
  const entries: StreamEntry[] = [];
  const deleted: string[] = [];
  if (!Array.isArray(list)) return { entries, deleted };
  for (const item of list) {
    const entry = entryOf(item);
    if (entry !== undefined) entries.push(entry);
    else if (Array.isArray(item) && isBuffer(item[0])) deleted.push(item[0].toString());
  }
  return { entries, deleted };
}

/** The reply of `XREADGROUP … STREAMS <one stream> >`: nil on timeout. */
export function readGroupReply(reply: unknown): { entries: StreamEntry[]; deleted: string[] } {
  if (!Array.isArray(reply) || reply.length === 0) return { entries: [], deleted: [] };
  const stream: unknown = reply[0];
  return entriesOf(Array.isArray(stream) ? stream[1] : undefined);
}

/** The reply of `XAUTOCLAIM`: the next cursor (`0-0` when done), the entries claimed. */
export function autoClaimReply(reply: unknown): {
  cursor: string;
  entries: StreamEntry[];
  deleted: string[];
} {
  if (!Array.isArray(reply) || !isBuffer(reply[0])) throw new Error('unexpected XAUTOCLAIM reply');
  const { entries, deleted } = entriesOf(reply[1]);
  const gone: unknown = reply[2];
  if (Array.isArray(gone)) deleted.push(...gone.filter(isBuffer).map((b) => b.toString()));
  return { cursor: reply[0].toString(), entries, deleted };
}

/** What the entry asks for; throws {@link PoisonMessageError} when it can never be applied. */
export function entryMessage(entry: StreamEntry, config: RedisStreamConsumerConfig): ConsumedMessage {
  const payload = entry.fields.get(config.payload_value);
  if (payload === undefined) throw new PoisonMessageError(`no "${config.payload_value}" field`);
  const mode = config.publication_data_mode;
  if (mode.enabled) {
    const headers = new Map<string, string>();
    for (const [name, value] of entry.fields) {
      if (name !== config.payload_value) headers.set(name.toLowerCase(), value.toString('utf8'));
    }
    const message = publicationFromHeaders(payload, headers, {
      channels_header: mode.channels_value,
      idempotency_key_header: mode.idempotency_key_value,
      delta_header: mode.delta_value,
      version_header: mode.version_value,
      version_epoch_header: mode.version_epoch_value,
      tags_header_prefix: mode.tags_value_prefix,
    });
    return withTrace(message, headers);
  }
  const method = config.method_value === '' ? '' : (entry.fields.get(config.method_value)?.toString() ?? '');
  const message: ConsumedMessage =
    method !== '' ? { kind: 'command', method, payload } : parseEnvelope(payload);
  return withTrace(message, traceFields(entry));
}

const NO_FIELDS: ReadonlyMap<string, string> = new Map();

/** The entry's `traceparent` and `tracestate` fields, the trace context a producer may add with XADD. */
function traceFields(entry: StreamEntry): ReadonlyMap<string, string> {
  const traceparent = entry.fields.get('traceparent');
  if (traceparent === undefined) return NO_FIELDS;
  const fields = new Map([['traceparent', traceparent.toString('utf8')]]);
  const tracestate = entry.fields.get('tracestate');
  if (tracestate !== undefined) fields.set('tracestate', tracestate.toString('utf8'));
  return fields;
}
