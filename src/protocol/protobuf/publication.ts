/**
 * The `Publication` message, written by hand into an exact-size Buffer: the fan-out encodes every
 * publication push once per node, and `BinaryWriter` was measured 3-4x slower for it than sizing
 * the message first and writing it in one pass (its text encoder call, the shifts of nested
 * length prefixes and the final copy). This is the only Publication writer: replies that carry
 * publications (history, subscribe) embed its bytes.
 *
 * Rules are the JSON encoder's: `epoch` only on the publication with offset 1, `version` when set,
 * `time` not written; zero values left out.
 */
import type { ClientInfo, Publication } from '../types.js';
import { jsonText } from './wire.js';

/** Bytes of `n` (a non-negative safe integer) as a varint. */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 5;
  for (let v = Math.floor(n / 0x800000000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

/** Writes `n` as a varint at `pos`; returns the position after it. Division, not `>>>`: n may pass 2^32. */
export function putVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
  return pos;
}

/** The payload of a publication: its JSON text, or the bytes of its base64 when it is binary. */
function payload(pub: Publication): string | Uint8Array {
  return pub.binary === true ? Buffer.from(pub.data, 'base64') : pub.data;
}

/** Size of a length-delimited field with a one-byte tag and `len` bytes (0 when left out). */
function delimitedSize(len: number): number {
  return len === 0 ? 0 : 1 + varintSize(len) + len;
}

/** A length-delimited field with the one-byte tag `tag`, whose content is `text` of `len` UTF-8 bytes. */
function putText(buf: Buffer, pos: number, tag: number, text: string, len: number): number {
  if (len === 0) return pos;
  buf[pos++] = tag;
  pos = putVarint(buf, pos, len);
  return pos + buf.write(text, pos, len, 'utf8');
}

/**
 * A publication measured for writing: sizes and JSON texts computed once and used by the write.
 * One scratch instance serves every call, as encoding is synchronous.
 */
class Measured {
  /** The data written: the publication's own, or a delta (then `delta` is set). */
  data: string | Uint8Array = '';
  delta = false;
  epoch = '';
  dataLen = 0;
  info: ClientInfo | undefined;
  user = 0;
  client = 0;
  connInfo = '';
  connLen = 0;
  chanInfo = '';
  chanLen = 0;
  infoSize = 0;
  tagKeys: string[] = [];
  tagLens: number[] = [];
  epochLen = 0;
  /** Bytes of the message's fields (without its own tag and length). */
  size = 0;

  measure(pub: Publication, epoch: string | undefined, patch?: Uint8Array): this {
    const data = patch ?? payload(pub);
    this.data = data;
    this.delta = patch !== undefined;
    this.dataLen = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    let size = delimitedSize(this.dataLen);
    // Field 8, `delta`: a one-byte tag and the varint 1.
    if (this.delta) size += 2;
    this.info = pub.info;
    if (pub.info !== undefined) {
      this.measureInfo(pub.info);
      size += 1 + varintSize(this.infoSize) + this.infoSize;
    }
    if (pub.offset !== undefined && pub.offset > 0) size += 1 + varintSize(pub.offset);
    this.tagKeys.length = 0;
    this.tagLens.length = 0;
    if (pub.tags !== undefined) {
      for (const key of Object.keys(pub.tags)) {
        const k = Buffer.byteLength(key);
        const v = Buffer.byteLength(pub.tags[key]!);
        // Map entries carry key and value even when empty, as protobuf encoders write them.
        const entry = 2 + varintSize(k) + k + varintSize(v) + v;
        this.tagKeys.push(key);
        this.tagLens.push(k, v, entry);
        size += 1 + varintSize(entry) + entry;
      }
    }
    this.epoch = pub.offset === 1 && epoch !== undefined ? epoch : '';
    this.epochLen = Buffer.byteLength(this.epoch);
    size += delimitedSize(this.epochLen);
    if (pub.version !== undefined && pub.version > 0) size += 2 + varintSize(pub.version);
    this.size = size;
    return this;
  }

  private measureInfo(info: ClientInfo): void {
    this.user = Buffer.byteLength(info.user);
    this.client = Buffer.byteLength(info.client);
    this.connInfo = jsonText(info.conn_info) ?? '';
    this.connLen = Buffer.byteLength(this.connInfo);
    this.chanInfo = jsonText(info.chan_info) ?? '';
    this.chanLen = Buffer.byteLength(this.chanInfo);
    this.infoSize =
      delimitedSize(this.user) +
      delimitedSize(this.client) +
      delimitedSize(this.connLen) +
      delimitedSize(this.chanLen);
  }

  /** Writes the fields of `pub`, measured last, at `pos`; returns the position after them. */
  write(pub: Publication, buf: Buffer, pos: number): number {
    const data = this.data;
    if (typeof data === 'string') {
      pos = putText(buf, pos, 0x22, data, this.dataLen);
    } else if (data.length > 0) {
      buf[pos++] = 0x22;
      pos = putVarint(buf, pos, data.length);
      buf.set(data, pos);
      pos += data.length;
    }
    const info = this.info;
    if (info !== undefined) {
      buf[pos++] = 0x2a;
      pos = putVarint(buf, pos, this.infoSize);
      pos = putText(buf, pos, 0x0a, info.user, this.user);
      pos = putText(buf, pos, 0x12, info.client, this.client);
      pos = putText(buf, pos, 0x1a, this.connInfo, this.connLen);
      pos = putText(buf, pos, 0x22, this.chanInfo, this.chanLen);
    }
    if (pub.offset !== undefined && pub.offset > 0) {
      buf[pos++] = 0x30;
      pos = putVarint(buf, pos, pub.offset);
    }
    for (let i = 0; i < this.tagKeys.length; i++) {
      const key = this.tagKeys[i]!;
      const k = this.tagLens[i * 3]!;
      const v = this.tagLens[i * 3 + 1]!;
      buf[pos++] = 0x3a;
      pos = putVarint(buf, pos, this.tagLens[i * 3 + 2]!);
      buf[pos++] = 0x0a;
      pos = putVarint(buf, pos, k);
      pos += buf.write(key, pos, k, 'utf8');
      buf[pos++] = 0x12;
      pos = putVarint(buf, pos, v);
      pos += buf.write(pub.tags![key]!, pos, v, 'utf8');
    }
    if (this.delta) {
      buf[pos++] = 0x40;
      buf[pos++] = 0x01;
    }
    // Field 14 (`epoch`) and 16 (`version`, a two-byte tag).
    pos = putText(buf, pos, 0x72, this.epoch, this.epochLen);
    if (pub.version !== undefined && pub.version > 0) {
      buf[pos++] = 0x80;
      buf[pos++] = 0x01;
      pos = putVarint(buf, pos, pub.version);
    }
    // Nothing of this publication stays referenced by the scratch instance.
    this.data = '';
    this.info = undefined;
    this.connInfo = '';
    this.chanInfo = '';
    this.epoch = '';
    this.tagKeys.length = 0;
    return pos;
  }
}

const scratch = new Measured();

/**
 * A publication message on its own (no tag or length), for embedding in a reply; with `patch`, a
 * delta publication carrying it as data.
 */
export function encodePublication(pub: Publication, epoch: string | undefined, patch?: Uint8Array): Buffer {
  const m = scratch.measure(pub, epoch, patch);
  const buf = Buffer.allocUnsafe(m.size);
  m.write(pub, buf, 0);
  return buf;
}

/**
 * The whole publication push frame: the length of the `Reply`, then `Reply.push` (4) holding
 * `Push.channel` (2) and `Push.pub` (4). `pub` is written even when empty, so it is seen.
 */
export function encodePublicationPushFrame(
  channel: string,
  pub: Publication,
  epoch: string | undefined,
  patch?: Uint8Array,
): Buffer {
  const m = scratch.measure(pub, epoch, patch);
  const channelLen = Buffer.byteLength(channel);
  const pushSize = delimitedSize(channelLen) + 1 + varintSize(m.size) + m.size;
  const replySize = 1 + varintSize(pushSize) + pushSize;
  const buf = Buffer.allocUnsafe(varintSize(replySize) + replySize);
  let pos = putVarint(buf, 0, replySize);
  buf[pos++] = 0x22;
  pos = putVarint(buf, pos, pushSize);
  pos = putText(buf, pos, 0x12, channel, channelLen);
  buf[pos++] = 0x22;
  pos = putVarint(buf, pos, m.size);
  m.write(pub, buf, pos);
  return buf;
}
