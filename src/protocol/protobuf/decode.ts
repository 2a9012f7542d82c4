/**
 * Decodes Protobuf client messages. A binary WebSocket message holds one or more `Command`s, each
 * prefixed with its length as a varint (centrifugal/protocol `ProtobufStreamCommandDecoder`); an
 * empty `Command` (a lone 0x00) is the pong to a server ping.
 *
 * Each command becomes the `Command { id, method, params }` the JSON decoder makes, with the JSON
 * protocol's field names, so handlers read both encodings alike. In `params`:
 * - proto3 scalars at their zero value (0, false, "") are left out, as a field that is not there:
 *   proto3 cannot tell them apart, and the handlers treat a missing field as its zero value;
 * - messages (`since`, `tf`, entries of `subs`) are present when they are on the wire, since a
 *   handler may act on their presence (`since` makes a history read a paged one);
 * - maps and repeated fields are left out when empty;
 * - `data` of a request is always present, as a `Uint8Array` (empty when not sent): it is how a
 *   handler tells bytes from a JSON value, and empty data is a valid payload in Centrifugo;
 * - `uint64`/`int64` become numbers; beyond 2^53 - 1 the message is refused.
 *
 * The rules of the JSON decoder apply to what is decoded: a command with no method and id 0 is a
 * pong; a method this server does not know (a field number outside the protocol) with an id is
 * `unknown`; without an id it is refused, as is any method but `send` without an id, and two
 * different methods in one command. Unlike Centrifugo, which runs the commands before a bad one
 * and then disconnects, a message that fails anywhere fails whole (no command of it runs).
 */

import { type DecodeResult, type FrameItem, MAX_COMMANDS_PER_FRAME } from '../frame-items.js';
import { MAX_FILTER_DEPTH } from '../tags-filter.js';
import type { CommandMethod } from '../types.js';
import { COMMAND_ID_FIELD, type FieldKind, METHOD_FIELDS, type ScalarKind, type Schema } from './requests.js';
import { WireReader, type WireType } from './wire.js';

type Params = Record<string, unknown>;

/** Sets `key` as an own property, even `__proto__` (a channel may be named so), as JSON.parse does. */
function setOwn(target: Params, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function isParams(value: unknown): value is Params {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A scalar field's value. */
function readScalar(w: WireReader, kind: ScalarKind, wt: WireType, end: number, name: string): unknown {
  switch (kind) {
    case 'string':
      return w.string(wt, end, name);
    case 'bytes':
      return w.bytes(wt, end, name);
    case 'bool':
      return w.bool(wt, end, name);
    case 'uint32':
      return w.uint32(wt, end, name);
    case 'int32':
      return w.int32(wt, end, name);
    case 'uint64':
      return w.uint64(wt, end, name);
    case 'int64':
      return w.int64(wt, end, name);
  }
}

function isZero(value: unknown): boolean {
  return (
    value === '' || value === false || value === 0 || (value instanceof Uint8Array && value.length === 0)
  );
}

/** A repeated or map element: a string or a message. */
function readElement(
  w: WireReader,
  kind: 'string' | { message: Schema },
  wt: WireType,
  end: number,
  name: string,
): unknown {
  if (kind === 'string') return w.string(wt, end, name);
  const stop = w.message(wt, end, name);
  return decodeMessage(w, stop, kind.message, {});
}

/** One `map<string, …>` entry (a message of `key` = 1 and `value` = 2), into `target`. */
function readMapEntry(
  w: WireReader,
  kind: 'string' | { message: Schema },
  stop: number,
  name: string,
  target: Params,
): void {
  let key = '';
  let value: unknown;
  while (w.pos < stop) {
    const [no, wt] = w.tag(stop);
    if (no === 1) key = w.string(wt, stop, `${name} key`);
    else if (no === 2) value = readElement(w, kind, wt, stop, `${name}["${key}"]`);
    else w.skip(wt, no, stop);
  }
  // A missing value is the value type's zero; a repeated key replaces the earlier entry.
  setOwn(target, key, value ?? (kind === 'string' ? '' : {}));
}

/**
 * A tags filter node as the JSON shape `parseTagsFilter` reads (`{op, key, cmp, val, vals, nodes}`).
 * The JSON path refuses a tree nested deeper than `MAX_FILTER_DEPTH` (107) without looking below
 * it; so here: children at that depth are skipped, not decoded, and stand as empty nodes, which
 * keeps the recursion bounded whatever the message holds.
 */
function decodeFilter(w: WireReader, end: number, depth: number): Params {
  const node: Params = {};
  while (w.pos < end) {
    const [no, wt] = w.tag(end);
    if (no >= 1 && no <= 4) {
      const name = (['op', 'key', 'cmp', 'val'] as const)[no - 1]!;
      const value = w.string(wt, end, `tf.${name}`);
      if (value === '') delete node[name];
      else node[name] = value;
    } else if (no === 5) {
      const vals = (node['vals'] as string[] | undefined) ?? [];
      vals.push(w.string(wt, end, 'tf.vals'));
      node['vals'] = vals;
    } else if (no === 6) {
      const stop = w.message(wt, end, 'tf.nodes');
      const nodes = (node['nodes'] as Params[] | undefined) ?? [];
      if (depth >= MAX_FILTER_DEPTH) {
        w.seek(stop);
        nodes.push({});
      } else {
        nodes.push(decodeFilter(w, stop, depth + 1));
      }
      node['nodes'] = nodes;
    } else {
      w.skip(wt, no, end);
    }
  }
  return node;
}

/** Reads the fields of one message up to `end` into `into`, by its schema; a repeated message merges. */
function decodeMessage(w: WireReader, end: number, schema: Schema, into: Params): Params {
  while (w.pos < end) {
    const [no, wt] = w.tag(end);
    const field = schema[no];
    if (field === undefined) {
      w.skip(wt, no, end);
      continue;
    }
    const [name, kind] = field;
    readField(w, kind, wt, end, name, into);
  }
  return into;
}

function readField(w: WireReader, kind: FieldKind, wt: WireType, end: number, name: string, into: Params) {
  if (kind === 'filter') {
    into[name] = decodeFilter(w, w.message(wt, end, name), 1);
  } else if (typeof kind === 'string') {
    const value = readScalar(w, kind, wt, end, name);
    // The last occurrence wins, as in protobuf; a zero one makes the field absent again.
    if (isZero(value)) delete into[name];
    else into[name] = value;
  } else if ('message' in kind) {
    // A message field met twice is merged, as protobuf decoders do.
    const existing = into[name];
    into[name] = decodeMessage(w, w.message(wt, end, name), kind.message, isParams(existing) ? existing : {});
  } else if ('repeated' in kind) {
    const list = (into[name] as unknown[] | undefined) ?? [];
    list.push(readElement(w, kind.repeated, wt, end, name));
    into[name] = list;
  } else {
    const existing = into[name];
    const map = isParams(existing) ? existing : {};
    readMapEntry(w, kind.map, w.message(wt, end, name), name, map);
    into[name] = map;
  }
}

/** One command, or the reason the message is refused. */
function decodeCommand(w: WireReader, end: number): FrameItem | string {
  let id = 0;
  let method: CommandMethod | undefined;
  let params: Params | undefined;
  let hasData = false;
  let unknownField = false;
  while (w.pos < end) {
    const [no, wt] = w.tag(end);
    if (no === COMMAND_ID_FIELD) {
      id = w.uint32(wt, end, 'id');
      continue;
    }
    const known = METHOD_FIELDS.get(no);
    if (known === undefined) {
      // A method of a newer protocol (or a field of the old one): the command may be `unknown`.
      unknownField = true;
      w.skip(wt, no, end);
      continue;
    }
    if (method !== undefined && method !== known.method) return 'command must carry exactly one method';
    method = known.method;
    hasData = known.hasData;
    const stop = w.message(wt, end, method);
    params = decodeMessage(w, stop, known.schema, params ?? {});
  }
  if (method === undefined || params === undefined) {
    if (unknownField) return id > 0 ? { kind: 'unknown', id } : 'unknown method without id';
    return id === 0 ? { kind: 'pong' } : 'command carries no method';
  }
  // Only `send` is fire-and-forget; every other command must be answerable.
  if (id === 0 && method !== 'send') return 'command id is required';
  if (hasData && params['data'] === undefined) params['data'] = new Uint8Array(0);
  return { kind: 'command', command: { id, method, params } };
}

/** Decodes one binary message into its commands; never throws on bad input. */
export function decodeCommands(data: Buffer): DecodeResult {
  if (data.length === 0) return { ok: false, reason: 'empty frame' };
  const w = new WireReader(data);
  const items: FrameItem[] = [];
  try {
    while (w.pos < data.length) {
      if (items.length === MAX_COMMANDS_PER_FRAME) {
        return { ok: false, reason: 'too many commands in one frame' };
      }
      const end = w.delimited(data.length);
      const item = decodeCommand(w, end);
      if (typeof item === 'string') return { ok: false, reason: item };
      items.push(item);
    }
  } catch (error) {
    // The reader's own errors (ProtobufDecodeError) and BinaryReader's (varint overflow, bad tag,
    // premature end) are all bad input.
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `malformed protobuf: ${reason}` };
  }
  return { ok: true, items };
}
