/**
 * The Protobuf side of the Switchboard load client (`centrifuge-protobuf` subprotocol): its
 * commands (connect, subscribe) as varint-length-delimited `Command`s, and a scanner over the
 * server's binary frames that walks each `Reply` by field tags and reads only what the load client
 * needs (a publication's data range, offset and delta flag; a command reply's error and subscribe
 * result), so the load generator does not decode whole messages per delivery. Field numbers are
 * those of src/protocol/protobuf/client.proto.
 */
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** The answer to a server ping (an empty `Reply`): an empty `Command`, its length 0. */
export const PONG: Buffer = Buffer.from([0]);

/** What a subscribe asks for besides its channel. */
export interface SubscribeFields {
  channel: string;
  /** Recover from this position (`recover`, `epoch`, `offset`). */
  recover?: { epoch: string; offset: number };
  /** Delta type (`delta`), e.g. "fossil". */
  delta?: string;
}

/** Command 1 `connect` (with the token when there is one), then command 2 `subscribe` when asked. */
export function handshakeFrame(token: string | undefined, subscribe: SubscribeFields | undefined): Buffer {
  const out = new BinaryWriter();
  const connect = new BinaryWriter().tag(1, WireType.Varint).uint32(1);
  connect.tag(4, WireType.LengthDelimited).fork();
  if (token) connect.tag(1, WireType.LengthDelimited).string(token);
  connect.join();
  out.bytes(connect.finish());
  if (subscribe) {
    const cmd = new BinaryWriter().tag(1, WireType.Varint).uint32(2);
    cmd.tag(5, WireType.LengthDelimited).fork();
    cmd.tag(1, WireType.LengthDelimited).string(subscribe.channel);
    if (subscribe.recover) {
      cmd.tag(3, WireType.Varint).bool(true);
      cmd.tag(6, WireType.LengthDelimited).string(subscribe.recover.epoch);
      if (subscribe.recover.offset > 0) cmd.tag(7, WireType.Varint).uint64(subscribe.recover.offset);
    }
    if (subscribe.delta) cmd.tag(12, WireType.LengthDelimited).string(subscribe.delta);
    cmd.join();
    out.bytes(cmd.finish());
  }
  const bytes = out.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A publication as the scanner saw it; one scratch instance, valid during the callback only. */
export interface PublicationView {
  /** `data` is `buf[dataStart, dataEnd)`. */
  dataStart: number;
  dataEnd: number;
  offset: number;
  delta: boolean;
}

/** The fields of a subscribe result the load client reads. */
export interface SubscribeView {
  epoch: string;
  offset: number;
  recovered: boolean;
  delta: boolean;
}

/** What {@link scanFrame} reports, in frame order. */
export interface ReplyHandler {
  /** An empty `Reply`: the server's ping. */
  ping(): void;
  /** A publication, pushed or carried by a subscribe result (recovered ones). */
  publication(buf: Buffer, pub: PublicationView): void;
  /** The reply to command `id` (not a push). */
  reply(
    id: number,
    error: { code: number; message: string } | undefined,
    subscribe: SubscribeView | undefined,
  ): void;
}

/** Thrown for a frame that is not length-delimited Protobuf. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

// One cursor for the scanner: scanning is synchronous, so a module-level position avoids a
// [value, next] pair per varint.
let pos = 0;

function varint(buf: Buffer, end: number): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= end) throw new FrameError('truncated varint');
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 128;
  }
}

/** Reads a length and returns where the delimited bytes end (the cursor at their start). */
function delimited(buf: Buffer, end: number): number {
  const length = varint(buf, end);
  const stop = pos + length;
  if (stop > end) throw new FrameError('length beyond the end of its message');
  return stop;
}

function skip(buf: Buffer, wireType: number, end: number): void {
  switch (wireType) {
    case WireType.Varint:
      varint(buf, end);
      return;
    case WireType.Bit64:
      pos += 8;
      break;
    case WireType.LengthDelimited:
      pos = delimited(buf, end);
      return;
    case WireType.Bit32:
      pos += 4;
      break;
    default:
      throw new FrameError(`unexpected wire type ${wireType}`);
  }
  if (pos > end) throw new FrameError('field runs past the end of its message');
}

function text(buf: Buffer, end: number): string {
  const stop = delimited(buf, end);
  const value = buf.toString('utf8', pos, stop);
  pos = stop;
  return value;
}

const scratch: PublicationView = { dataStart: 0, dataEnd: 0, offset: 0, delta: false };

/** `Publication` up to `end`: data (4), offset (6), delta (8). */
function publication(buf: Buffer, end: number, h: ReplyHandler): void {
  scratch.dataStart = 0;
  scratch.dataEnd = 0;
  scratch.offset = 0;
  scratch.delta = false;
  while (pos < end) {
    const tag = varint(buf, end);
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 4 && wt === WireType.LengthDelimited) {
      scratch.dataEnd = delimited(buf, end);
      scratch.dataStart = pos;
      pos = scratch.dataEnd;
    } else if (no === 6 && wt === WireType.Varint) scratch.offset = varint(buf, end);
    else if (no === 8 && wt === WireType.Varint) scratch.delta = varint(buf, end) !== 0;
    else skip(buf, wt, end);
  }
  h.publication(buf, scratch);
}

/** `Push` up to `end`: only `pub` (4) is read; joins, leaves and the rest are skipped. */
function push(buf: Buffer, end: number, h: ReplyHandler): void {
  while (pos < end) {
    const tag = varint(buf, end);
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 4 && wt === WireType.LengthDelimited) {
      const stop = delimited(buf, end);
      publication(buf, stop, h);
      pos = stop;
    } else skip(buf, wt, end);
  }
}

/** `Error`: code (1), message (2). */
function error(buf: Buffer, end: number): { code: number; message: string } {
  const out = { code: 0, message: '' };
  while (pos < end) {
    const tag = varint(buf, end);
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 1 && wt === WireType.Varint) out.code = varint(buf, end);
    else if (no === 2 && wt === WireType.LengthDelimited) out.message = text(buf, end);
    else skip(buf, wt, end);
  }
  return out;
}

/**
 * `SubscribeResult`: epoch (6), publications (7, reported to the handler as they come), recovered
 * (8), offset (9), delta (13).
 */
function subscribeResult(buf: Buffer, end: number, h: ReplyHandler): SubscribeView {
  const out: SubscribeView = { epoch: '', offset: 0, recovered: false, delta: false };
  while (pos < end) {
    const tag = varint(buf, end);
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 6 && wt === WireType.LengthDelimited) out.epoch = text(buf, end);
    else if (no === 7 && wt === WireType.LengthDelimited) {
      const stop = delimited(buf, end);
      publication(buf, stop, h);
      pos = stop;
    } else if (no === 8 && wt === WireType.Varint) out.recovered = varint(buf, end) !== 0;
    else if (no === 9 && wt === WireType.Varint) out.offset = varint(buf, end);
    else if (no === 13 && wt === WireType.Varint) out.delta = varint(buf, end) !== 0;
    else skip(buf, wt, end);
  }
  return out;
}

/** Walks every `Reply` of one binary WebSocket message; throws {@link FrameError} on bad framing. */
export function scanFrame(buf: Buffer, h: ReplyHandler): void {
  pos = 0;
  const length = buf.length;
  while (pos < length) {
    const end = delimited(buf, length);
    if (end === pos) {
      h.ping();
      continue;
    }
    let id = 0;
    let pushed = false;
    let err: { code: number; message: string } | undefined;
    let sub: SubscribeView | undefined;
    while (pos < end) {
      const tag = varint(buf, end);
      const no = Math.floor(tag / 8);
      const wt = tag & 7;
      if (no === 4 && wt === WireType.LengthDelimited) {
        const stop = delimited(buf, end);
        push(buf, stop, h);
        pos = stop;
        pushed = true;
      } else if (no === 1 && wt === WireType.Varint) id = varint(buf, end);
      else if (no === 2 && wt === WireType.LengthDelimited) {
        const stop = delimited(buf, end);
        err = error(buf, stop);
        pos = stop;
      } else if (no === 6 && wt === WireType.LengthDelimited) {
        const stop = delimited(buf, end);
        sub = subscribeResult(buf, stop, h);
        pos = stop;
      } else skip(buf, wt, end);
    }
    if (!pushed) h.reply(id, err, sub);
  }
}

const STAMP = Buffer.from('"t":');

/**
 * The send time the publisher stamped into JSON data (`"t":<ms>`, the same text in Protobuf's
 * `bytes`), read from `buf[start, end)` without making a string; NaN when there is none.
 */
export function stampIn(buf: Buffer, start: number, end: number): number {
  const at = buf.indexOf(STAMP, start);
  if (at === -1 || at + 4 >= end) return Number.NaN;
  let i = at + 4;
  let whole = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) break;
    whole = whole * 10 + c;
    digits++;
  }
  if (digits === 0) return Number.NaN;
  if (buf[i] !== 46 /* . */) return whole;
  let fraction = 0;
  let scale = 1;
  for (i++; i < end; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) break;
    fraction = fraction * 10 + c;
    scale *= 10;
  }
  return whole + fraction / scale;
}
