/**
 * Writers of the protocol's messages (see `client.proto`) onto a `BinaryWriter`: publications,
 * client info, and the result of every reply. Fields are written in field-number order, and left
 * out where the JSON encoder leaves them out or where they hold the proto3 zero value (0, false,
 * "", empty bytes), which a reader cannot tell from an absent field anyway.
 *
 * Publications are written by `publication.ts`, by hand, for speed.
 *
 * JSON values of our model (`conn_info`, `chan_info`, subscribe and connect `data`) go into their
 * `bytes` fields as JSON text, as Centrifugo carries them; publication, RPC and message data go in
 * as they are (JSON text today, bytes later).
 */

import { type BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { deltaChain } from '../delta/chain.js';
import type { ReplyMethod, ReplyResults } from '../encoding.js';
import type {
  ClientInfo,
  ConnectResult,
  HistoryResult,
  PresenceResult,
  PresenceStatsResult,
  Publication,
  RefreshResult,
  SubRefreshResult,
  SubscribeResult,
} from '../types.js';
import { encodePublication } from './publication.js';
import { jsonText } from './wire.js';

const LEN = WireType.LengthDelimited;
const VARINT = WireType.Varint;

/** A `string` field, unless empty. */
export function writeString(w: BinaryWriter, no: number, value: string | undefined): void {
  if (value !== undefined && value !== '') w.tag(no, LEN).string(value);
}

/** A `bool` field, when true. */
export function writeTrue(w: BinaryWriter, no: number, value: boolean | undefined): void {
  if (value === true) w.tag(no, VARINT).bool(true);
}

/** A `uint32` field, when above 0. */
export function writeUint32(w: BinaryWriter, no: number, value: number | undefined): void {
  if (value !== undefined && value > 0) w.tag(no, VARINT).uint32(value);
}

/** A `uint64` field, when above 0. */
export function writeUint64(w: BinaryWriter, no: number, value: number | undefined): void {
  if (value !== undefined && value > 0) w.tag(no, VARINT).uint64(value);
}

/**
 * A `bytes` field holding data as it came: JSON text is written as UTF-8 (straight into the
 * writer, no intermediate copy), bytes as they are. Empty data is left out.
 */
export function writeData(w: BinaryWriter, no: number, data: string | Uint8Array | undefined): void {
  if (data === undefined || data.length === 0) return;
  if (typeof data === 'string') w.tag(no, LEN).string(data);
  else w.tag(no, LEN).bytes(data);
}

/** A `bytes` field holding a JSON value as JSON text; nothing for undefined. */
export function writeJson(w: BinaryWriter, no: number, value: unknown): void {
  const text = jsonText(value);
  if (text !== undefined) w.tag(no, LEN).string(text);
}

export function writeClientInfo(w: BinaryWriter, info: ClientInfo): void {
  writeString(w, 1, info.user);
  writeString(w, 2, info.client);
  writeJson(w, 3, info.conn_info);
  writeJson(w, 4, info.chan_info);
}

/** An embedded `ClientInfo` field. */
export function writeClientInfoField(w: BinaryWriter, no: number, info: ClientInfo): void {
  w.tag(no, LEN).fork();
  writeClientInfo(w, info);
  w.join();
}

/**
 * Repeated `Publication` field `no`, each of a stream whose epoch is `epoch`; with `delta`, as a
 * delta chain (the first in full, each next one a delta against the one before).
 */
export function writePublications(
  w: BinaryWriter,
  no: number,
  pubs: readonly Publication[] | undefined,
  epoch: string | undefined,
  delta = false,
): void {
  if (pubs === undefined) return;
  // The one Publication writer is the hand-rolled one (see `publication.ts`): its bytes are embedded.
  const patches = delta ? deltaChain(pubs) : undefined;
  for (let i = 0; i < pubs.length; i++) {
    w.tag(no, LEN).bytes(encodePublication(pubs[i]!, epoch, patches?.[i]));
  }
}

export function writeSubscribeResult(w: BinaryWriter, r: SubscribeResult): void {
  writeTrue(w, 1, r.expires);
  writeUint32(w, 2, r.ttl);
  writeTrue(w, 3, r.recoverable);
  writeString(w, 6, r.epoch);
  writePublications(w, 7, r.publications, r.epoch, r.delta === true);
  writeTrue(w, 8, r.recovered);
  writeUint64(w, 9, r.offset);
  writeTrue(w, 10, r.positioned);
  writeJson(w, 11, r.data);
  writeTrue(w, 12, r.was_recovering);
  writeTrue(w, 13, r.delta);
}

/** The `subscribe` push (message `Subscribe`): the part of a subscribe result it has fields for. */
export function writeSubscribePushBody(w: BinaryWriter, r: SubscribeResult): void {
  writeTrue(w, 1, r.recoverable);
  writeString(w, 4, r.epoch);
  writeUint64(w, 5, r.offset);
  writeTrue(w, 6, r.positioned);
  writeJson(w, 7, r.data);
}

/** As the JSON encoder: `ttl` only with `expires`. `subs` is a Map, as channel names may be any string. */
export function writeConnectResult(w: BinaryWriter, r: ConnectResult): void {
  writeString(w, 1, r.client);
  writeString(w, 2, r.version);
  if (r.expires === true) {
    writeTrue(w, 3, true);
    writeUint32(w, 4, r.ttl);
  }
  writeJson(w, 5, r.data);
  if (r.subs !== undefined) {
    for (const [channel, result] of r.subs) {
      w.tag(6, LEN).fork().tag(1, LEN).string(channel).tag(2, LEN).fork();
      writeSubscribeResult(w, result);
      w.join().join();
    }
  }
  writeUint32(w, 7, r.ping);
  writeTrue(w, 8, r.pong);
  writeString(w, 9, r.session);
  writeString(w, 10, r.node);
  if (r.time !== undefined && r.time > 0) w.tag(11, VARINT).int64(r.time);
}

function writeHistoryResult(w: BinaryWriter, r: HistoryResult): void {
  writePublications(w, 1, r.publications, r.epoch);
  writeString(w, 2, r.epoch);
  writeUint64(w, 3, r.offset);
}

function writePresenceResult(w: BinaryWriter, r: PresenceResult): void {
  for (const client of Object.keys(r.presence)) {
    w.tag(1, LEN).fork().tag(1, LEN).string(client);
    writeClientInfoField(w, 2, r.presence[client]!);
    w.join();
  }
}

function writePresenceStatsResult(w: BinaryWriter, r: PresenceStatsResult): void {
  writeUint32(w, 1, r.num_clients);
  writeUint32(w, 2, r.num_users);
}

function writeRefreshResult(w: BinaryWriter, r: RefreshResult): void {
  writeString(w, 1, r.client);
  writeString(w, 2, r.version);
  writeTrue(w, 3, r.expires);
  writeUint32(w, 4, r.ttl);
}

function writeSubRefreshResult(w: BinaryWriter, r: SubRefreshResult): void {
  writeTrue(w, 1, r.expires);
  writeUint32(w, 2, r.ttl);
}

/** `Reply` field numbers of the results, by method. */
export const RESULT_FIELDS: Readonly<Record<ReplyMethod, number>> = {
  connect: 5,
  subscribe: 6,
  unsubscribe: 7,
  publish: 8,
  presence: 9,
  presence_stats: 10,
  history: 11,
  ping: 12,
  rpc: 13,
  refresh: 14,
  sub_refresh: 15,
};

/** The fields of a result message, by the method it answers (empty results have none). */
export function writeResult<M extends ReplyMethod>(
  w: BinaryWriter,
  method: M,
  result: ReplyResults[M],
): void {
  switch (method) {
    case 'connect':
      writeConnectResult(w, result as ConnectResult);
      return;
    case 'subscribe':
      writeSubscribeResult(w, result as SubscribeResult);
      return;
    case 'presence':
      writePresenceResult(w, result as PresenceResult);
      return;
    case 'presence_stats':
      writePresenceStatsResult(w, result as PresenceStatsResult);
      return;
    case 'history':
      writeHistoryResult(w, result as HistoryResult);
      return;
    case 'rpc': {
      const { data, binary } = result as ReplyResults['rpc'];
      writeData(w, 1, binary === true && data !== undefined ? Buffer.from(data, 'base64') : data);
      return;
    }
    case 'refresh':
      writeRefreshResult(w, result as RefreshResult);
      return;
    case 'sub_refresh':
      writeSubRefreshResult(w, result as SubRefreshResult);
      return;
    case 'unsubscribe':
    case 'publish':
    case 'ping':
      return;
  }
}
