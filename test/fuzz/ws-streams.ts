/**
 * Client byte streams for the WebSocket fuzz properties: valid streams of messages (whole or in
 * fragments with control frames between them), pings, pongs and a close, each with the events a
 * parser must report for it; and cut points to split a stream into socket reads.
 */
import fc from 'fast-check';
import type { WsCloseCode } from '../../src/gateway/ws/close-codes.js';
import { closeBody, frame } from '../harness/frame-client.js';

/** What a parser reports. */
export type ParserEvent =
  | { type: 'message'; data: Buffer; binary: boolean }
  | { type: 'ping'; payload: Buffer }
  | { type: 'close'; code: number }
  | { type: 'error'; code: WsCloseCode };

export type Piece = { frames: Buffer[]; events: ParserEvent[] };

export const maskKey = fc.uint8Array({ minLength: 4, maxLength: 4 });
const lengthBits = (size: number): fc.Arbitrary<7 | 16 | 64> =>
  size < 126 ? fc.constantFrom(7, 16, 64) : size < 65_536 ? fc.constantFrom(16, 64) : fc.constant(64);

/** One encoded frame with a generated mask and length form. */
export function encoded(opcode: number, payload: Buffer, fin = true): fc.Arbitrary<Buffer> {
  return fc
    .tuple(maskKey, lengthBits(payload.length))
    .map(([key, bits]) => frame(opcode, payload, { fin, maskKey: key, lengthBits: bits }));
}

const textPayload = fc.string({ maxLength: 300 }).map((s) => Buffer.from(s));
const binaryPayload = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
const pingPayload = fc.uint8Array({ maxLength: 125 }).map((b) => Buffer.from(b));

export const pingPiece: fc.Arbitrary<Piece> = pingPayload.chain((p) =>
  encoded(9, p).map((f) => ({ frames: [f], events: [{ type: 'ping' as const, payload: p }] })),
);
export const pongPiece: fc.Arbitrary<Piece> = pingPayload.chain((p) =>
  encoded(10, p).map((f) => ({ frames: [f], events: [] })),
);

/** A data message, whole or in fragments with control frames between them. */
export const messagePiece: fc.Arbitrary<Piece> = fc
  .tuple(fc.boolean(), fc.integer({ min: 1, max: 4 }))
  .chain(([binary, parts]) =>
    (binary ? binaryPayload : textPayload).chain((payload) => {
      const step = Math.ceil(payload.length / parts) || 1;
      const slices: Buffer[] = [];
      for (let i = 0; i < parts; i++) slices.push(payload.subarray(i * step, (i + 1) * step));
      return fc
        .tuple(
          ...slices.map((slice, i) => encoded(i === 0 ? (binary ? 2 : 1) : 0, slice, i === parts - 1)),
          fc.array(fc.oneof(pingPiece, pongPiece), { maxLength: parts - 1 }),
        )
        .map((all) => {
          const fragments = all.slice(0, parts) as Buffer[];
          const controls = all[parts] as Piece[];
          const frames: Buffer[] = [];
          const events: ParserEvent[] = [];
          fragments.forEach((f, i) => {
            frames.push(f);
            const control = controls[i];
            if (control !== undefined && i < parts - 1) {
              frames.push(...control.frames);
              events.push(...control.events);
            }
          });
          events.push({ type: 'message', data: payload, binary });
          return { frames, events };
        });
    }),
  );

const closePiece: fc.Arbitrary<Piece> = fc
  .tuple(
    fc.option(fc.constantFrom(1000, 1001, 1011, 3000, 3501, 4999), { nil: undefined }),
    fc.string({ maxLength: 20 }),
  )
  .chain(([code, reason]) => {
    const body = code === undefined ? Buffer.alloc(0) : closeBody(code, reason);
    return encoded(8, body).map((f) => ({
      frames: [f],
      events: [{ type: 'close' as const, code: code ?? 1005 }],
    }));
  });

/** A valid client byte stream: messages and control frames, maybe ending with a close. */
export const validStream = fc
  .tuple(fc.array(fc.oneof(messagePiece, pingPiece, pongPiece), { maxLength: 6 }), fc.option(closePiece))
  .map(([pieces, close]) => {
    const all = close === null ? pieces : [...pieces, close];
    return {
      bytes: Buffer.concat(all.flatMap((p) => p.frames)),
      events: all.flatMap((p) => p.events),
    };
  });

export const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

/** Splits bytes at the given cut points (fractions of the length): each read its own buffer. */
export function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((x, y) => x - y);
  const reads: Buffer[] = [];
  let at = 0;
  for (const point of [...points, bytes.length]) {
    if (point <= at) continue;
    reads.push(Buffer.from(bytes.subarray(at, point)));
    at = point;
  }
  return reads;
}
