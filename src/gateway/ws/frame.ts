/** Server-to-client frame encoding: unmasked, never fragmented. */

export enum Opcode {
  Continuation = 0,
  Text = 1,
  Binary = 2,
  Close = 8,
  Ping = 9,
  Pong = 10,
}

/** Header bytes for a payload of `length`: 2, 4 or 10. */
export function headerSize(length: number): number {
  return length < 126 ? 2 : length < 65_536 ? 4 : 10;
}

/** Writes a FIN frame header for `opcode` and `length` at the start of `target`; returns its size. */
export function writeHeader(target: Buffer, opcode: Opcode, length: number): number {
  target[0] = 0x80 | opcode;
  if (length < 126) {
    target[1] = length;
    return 2;
  }
  if (length < 65_536) {
    target[1] = 126;
    target.writeUInt16BE(length, 2);
    return 4;
  }
  target[1] = 127;
  // Payloads stay far below 2^53; the high word is written for the 64-bit form.
  target.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
  target.writeUInt32BE(length >>> 0, 6);
  return 10;
}

/** A whole frame in one buffer: for control frames and small messages. */
export function encodeFrame(opcode: Opcode, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(headerSize(payload.length) + payload.length);
  payload.copy(frame, writeHeader(frame, opcode, payload.length));
  return frame;
}

/** The payload of a close frame: the code, then the UTF-8 reason. */
export function closePayload(code: number, reason: string): Buffer {
  const body = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return body;
}

/** XORs a client payload with its 4-byte mask, in place. */
export function unmask(data: Buffer, start: number, end: number, maskAt: number): void {
  const m0 = data[maskAt]!;
  const m1 = data[maskAt + 1]!;
  const m2 = data[maskAt + 2]!;
  const m3 = data[maskAt + 3]!;
  let i = start;
  for (const last = end - 3; i < last; i += 4) {
    data[i] = data[i]! ^ m0;
    data[i + 1] = data[i + 1]! ^ m1;
    data[i + 2] = data[i + 2]! ^ m2;
    data[i + 3] = data[i + 3]! ^ m3;
  }
  for (let k = 0; i < end; i++, k++) data[i] = data[i]! ^ data[maskAt + k]!;
}
