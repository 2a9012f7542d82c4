/**
 * Wire-level helpers of the Protobuf encoding: a bounded reader over one inbound message, and the
 * conversions of our JSON-shaped values into `bytes` fields.
 *
 * The reader wraps `@bufbuild/protobuf`'s `BinaryReader` for tags and varints, and reads every
 * length itself: `BinaryReader` keeps only the low 32 bits of a length varint, so a length of
 * 2^32 + 3 would read as 3 where Centrifugo's decoder fails the message. Each read is checked
 * against the end of the message it belongs to, not only the end of the buffer, so a field cannot
 * run over into the next one. Failures throw `ProtobufDecodeError`; the decoder catches them.
 */
import { isUtf8 } from 'node:buffer';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

export { WireType };

/** Bad input met while decoding; its message is the reason handed back to the connection. */
export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A cursor over one inbound WebSocket message. Bytes it hands out are views, never copies. */
export class WireReader {
  private readonly reader: BinaryReader;

  constructor(private readonly buf: Buffer) {
    this.reader = new BinaryReader(buf);
  }

  get pos(): number {
    return this.reader.pos;
  }

  /** The next field's number and wire type; the tag must lie before `end`. */
  tag(end: number): [number, WireType] {
    const tag = this.reader.tag();
    this.check(end);
    return tag;
  }

  /**
   * Reads a varint length and returns where the delimited bytes end, leaving the cursor at their
   * start. A length past `end` (the enclosing message's) is a truncated or oversized field.
   */
  delimited(end: number): number {
    const buf = this.buf;
    let pos = this.reader.pos;
    let length = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (pos >= end) throw new ProtobufDecodeError('truncated varint');
      if (i === 10) throw new ProtobufDecodeError('varint longer than 10 bytes');
      const byte = buf[pos++]!;
      length += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
    }
    // Compared as a float: any length that does not fit what is left is refused, however large.
    if (length > end - pos) throw new ProtobufDecodeError('length beyond the end of the message');
    this.reader.pos = pos;
    return pos + length;
  }

  /** Fails unless a known field came with the wire type its proto type uses. */
  expect(wireType: WireType, wanted: WireType, field: string): void {
    if (wireType !== wanted) throw new ProtobufDecodeError(`wrong wire type for field "${field}"`);
  }

  uint32(wireType: WireType, end: number, field: string): number {
    this.expect(wireType, WireType.Varint, field);
    const value = this.reader.uint32();
    this.check(end);
    return value;
  }

  int32(wireType: WireType, end: number, field: string): number {
    this.expect(wireType, WireType.Varint, field);
    const value = this.reader.int32();
    this.check(end);
    return value;
  }

  bool(wireType: WireType, end: number, field: string): boolean {
    this.expect(wireType, WireType.Varint, field);
    const value = this.reader.bool();
    this.check(end);
    return value;
  }

  /** A `uint64` as a number; beyond 2^53 - 1 it cannot be one exactly and is refused. */
  uint64(wireType: WireType, end: number, field: string): number {
    this.expect(wireType, WireType.Varint, field);
    const value = BigInt(this.reader.uint64());
    this.check(end);
    if (value > MAX_SAFE) throw new ProtobufDecodeError(`"${field}" exceeds 2^53 - 1`);
    return Number(value);
  }

  /** An `int64` as a number, refused outside ±(2^53 - 1). */
  int64(wireType: WireType, end: number, field: string): number {
    this.expect(wireType, WireType.Varint, field);
    const value = BigInt(this.reader.int64());
    this.check(end);
    if (value > MAX_SAFE || value < -MAX_SAFE) throw new ProtobufDecodeError(`"${field}" exceeds 2^53 - 1`);
    return Number(value);
  }

  /**
   * A `string`. Invalid UTF-8 is refused rather than replaced with U+FFFD: two different byte
   * strings would otherwise become one channel name or token.
   */
  string(wireType: WireType, end: number, field: string): string {
    this.expect(wireType, WireType.LengthDelimited, field);
    const stop = this.delimited(end);
    const start = this.reader.pos;
    this.reader.pos = stop;
    if (!isUtf8(this.buf.subarray(start, stop))) {
      throw new ProtobufDecodeError(`"${field}" is not valid UTF-8`);
    }
    return this.buf.toString('utf8', start, stop);
  }

  /** A `bytes` field, as a view into the inbound message (a plain Uint8Array, not a Buffer). */
  bytes(wireType: WireType, end: number, field: string): Uint8Array {
    this.expect(wireType, WireType.LengthDelimited, field);
    const stop = this.delimited(end);
    const start = this.reader.pos;
    this.reader.pos = stop;
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + start, stop - start);
  }

  /** An embedded message: returns its end, the cursor at its first field. */
  message(wireType: WireType, end: number, field: string): number {
    this.expect(wireType, WireType.LengthDelimited, field);
    return this.delimited(end);
  }

  /** Skips a field this decoder does not read (unknown, or not needed), of any valid wire type. */
  skip(wireType: WireType, fieldNo: number, end: number): void {
    if (wireType === WireType.LengthDelimited) {
      this.reader.pos = this.delimited(end);
      return;
    }
    // Varints, fixed widths and (deprecated) groups; an unmatched end-group tag throws here.
    this.reader.skip(wireType, fieldNo);
    this.check(end);
  }

  /** Moves the cursor to `pos` (past a part that is not decoded). */
  seek(pos: number): void {
    this.reader.pos = pos;
  }

  private check(end: number): void {
    if (this.reader.pos > end) throw new ProtobufDecodeError('field runs past the end of its message');
  }
}

/**
 * Payload bytes of publication or message data, whether the data is JSON text (`RawJson`, the
 * form it has today) or already bytes. Text becomes UTF-8; bytes are used as they are.
 */
export function dataBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/**
 * A JSON value of our model (`conn_info`, `chan_info`, subscribe or connect `data`) as the JSON text
 * Centrifugo carries in the matching `bytes` field; undefined when there is nothing to write.
 */
export function jsonText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return JSON.stringify(value);
}
