/**
 * Just enough of the Centrifugo protobuf protocol (`centrifuge-protobuf` subprotocol) to send a
 * `connect` and read the replies: varint-length-delimited `Command` / `Reply` messages in binary
 * frames. Decoded replies keep the JSON protocol's field names, wrapped as `{protobuf: reply}`.
 */

/** Field numbers of the messages the suite reads, from Centrifugo's client.proto. */
const REPLY_FIELDS: Record<number, string> = { 1: 'id', 2: 'error', 5: 'connect' };
const ERROR_FIELDS: Record<number, string> = { 1: 'code', 2: 'message', 3: 'temporary' };
const CONNECT_FIELDS: Record<number, string> = {
  1: 'client',
  2: 'version',
  3: 'expires',
  4: 'ttl',
  7: 'ping',
  8: 'pong',
  9: 'session',
  10: 'node',
};
const BOOLEANS = new Set(['expires', 'pong', 'temporary']);

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function field(number: number, bytes: Uint8Array): number[] {
  return [...varint((number << 3) | 2), ...varint(bytes.length), ...bytes];
}

/** One length-delimited `Command{id, connect: ConnectRequest{token}}`, ready to send as a binary frame. */
export function encodeConnect(id: number, token: string): Buffer {
  const request = Uint8Array.from(field(1, new TextEncoder().encode(token)));
  const command = Uint8Array.from([...varint(1 << 3), ...varint(id), ...field(4, request)]);
  return Buffer.from([...varint(command.length), ...command]);
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = this.bytes[this.pos++];
      if (byte === undefined) throw new Error('truncated varint');
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
  }

  chunk(): Uint8Array {
    const length = this.varint();
    const out = this.bytes.subarray(this.pos, this.pos + length);
    if (out.length !== length) throw new Error('truncated field');
    this.pos += length;
    return out;
  }
}

/** Decodes one message by a field table; unknown fields are kept by number. */
function message(bytes: Uint8Array, names: Record<number, string>): Record<string, unknown> {
  const reader = new Reader(bytes);
  const out: Record<string, unknown> = {};
  while (!reader.done) {
    const tag = reader.varint();
    const number = tag >>> 3;
    const name = names[number] ?? `#${number}`;
    const wire = tag & 7;
    if (wire === 0) {
      const value = reader.varint();
      out[name] = BOOLEANS.has(name) ? value !== 0 : value;
    } else if (wire === 2) {
      const chunk = reader.chunk();
      if (name === 'error') out[name] = message(chunk, ERROR_FIELDS);
      else if (name === 'connect') out[name] = message(chunk, CONNECT_FIELDS);
      else out[name] = new TextDecoder().decode(chunk);
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

/** The replies in one binary frame, each as `{protobuf: reply}`; undecodable bytes as `{protobufError}`. */
export function decodeReplies(frame: Uint8Array): unknown[] {
  const reader = new Reader(frame);
  const out: unknown[] = [];
  try {
    while (!reader.done) out.push({ protobuf: message(reader.chunk(), REPLY_FIELDS) });
  } catch (err) {
    out.push({ protobufError: (err as Error).message, hex: Buffer.from(frame).toString('hex') });
  }
  return out;
}
