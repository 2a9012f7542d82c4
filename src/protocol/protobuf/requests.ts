/**
 * The request messages of `Command`, as tables: field number → the JSON protocol's field name and
 * the proto type (see `client.proto`). The decoder walks a message with its table and builds the
 * same `params` object the JSON decoder would, so command handlers read both encodings alike.
 */
import type { CommandMethod } from '../types.js';

/** Proto scalar types the requests use. */
export type ScalarKind = 'string' | 'bytes' | 'bool' | 'uint32' | 'int32' | 'uint64' | 'int64';

/** How one field is read. */
export type FieldKind =
  | ScalarKind
  | { message: Schema }
  | { repeated: 'string' | { message: Schema } }
  /** A `map<string, …>`: an object keyed by the map's keys. */
  | { map: 'string' | { message: Schema } }
  /** A tags filter tree (`FilterNode`), read with a depth bound (see `decode.ts`). */
  | 'filter';

/** A message's fields by number; numbers missing here are skipped as unknown fields. */
export type Schema = Readonly<Record<number, readonly [name: string, kind: FieldKind]>>;

const STREAM_POSITION: Schema = {
  1: ['offset', 'uint64'],
  2: ['epoch', 'string'],
};

const SUBSCRIBE: Schema = {
  1: ['channel', 'string'],
  2: ['token', 'string'],
  3: ['recover', 'bool'],
  6: ['epoch', 'string'],
  7: ['offset', 'uint64'],
  8: ['data', 'bytes'],
  9: ['positioned', 'bool'],
  10: ['recoverable', 'bool'],
  11: ['join_leave', 'bool'],
  12: ['delta', 'string'],
  13: ['tf', 'filter'],
  14: ['flag', 'int64'],
  15: ['type', 'int32'],
  16: ['phase', 'int32'],
  17: ['cursor', 'string'],
  18: ['limit', 'int32'],
  19: ['asc', 'bool'],
};

const CONNECT: Schema = {
  1: ['token', 'string'],
  2: ['data', 'bytes'],
  3: ['subs', { map: { message: SUBSCRIBE } }],
  4: ['name', 'string'],
  5: ['version', 'string'],
  6: ['headers', { map: 'string' }],
  7: ['flag', 'int64'],
};

const CHANNEL: Schema = { 1: ['channel', 'string'] };

const PUBLISH: Schema = {
  1: ['channel', 'string'],
  2: ['data', 'bytes'],
  3: ['type', 'int32'],
  4: ['key', 'string'],
  5: ['removed', 'bool'],
};

const HISTORY: Schema = {
  1: ['channel', 'string'],
  7: ['limit', 'int32'],
  8: ['since', { message: STREAM_POSITION }],
  9: ['reverse', 'bool'],
};

const KEYED_ITEM: Schema = {
  1: ['key', 'string'],
  2: ['version', 'uint64'],
};

const TRACK_BATCH: Schema = {
  1: ['signature', 'string'],
  2: ['items', { repeated: { message: KEYED_ITEM } }],
};

const SUB_REFRESH: Schema = {
  1: ['channel', 'string'],
  2: ['token', 'string'],
  3: ['type', 'int32'],
  4: ['track', { repeated: { message: TRACK_BATCH } }],
  5: ['untrack', { repeated: 'string' }],
};

/** One method of `Command`: its name and its request message. */
export interface MethodField {
  readonly method: CommandMethod;
  readonly schema: Schema;
  /** The request has a `bytes data` field, which the decoder always sets (see `decode.ts`). */
  readonly hasData: boolean;
}

function method(name: CommandMethod, schema: Schema): MethodField {
  return { method: name, schema, hasData: Object.values(schema).some(([field]) => field === 'data') };
}

/** `Command` field 1 is the id; fields 4 to 15 are the methods. */
export const COMMAND_ID_FIELD = 1;

/** The methods by their field number in `Command`. */
export const METHOD_FIELDS: ReadonlyMap<number, MethodField> = new Map([
  [4, method('connect', CONNECT)],
  [5, method('subscribe', SUBSCRIBE)],
  [6, method('unsubscribe', CHANNEL)],
  [7, method('publish', PUBLISH)],
  [8, method('presence', CHANNEL)],
  [9, method('presence_stats', CHANNEL)],
  [10, method('history', HISTORY)],
  [11, method('ping', {})],
  [12, method('send', { 1: ['data', 'bytes'] })],
  [13, method('rpc', { 1: ['data', 'bytes'], 2: ['method', 'string'] })],
  [14, method('refresh', { 1: ['token', 'string'] })],
  [15, method('sub_refresh', SUB_REFRESH)],
]);
