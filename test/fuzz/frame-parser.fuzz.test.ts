/**
 * Properties of the WebSocket frame parser over random, mutated and malformed input: it never throws,
 * delivers exactly the frames it was given (however the bytes are split) or fails with 1002/1007/1009.
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { WsCloseCode } from '../../src/gateway/ws/close-codes.js';
import { FrameParser } from '../../src/gateway/ws/frame-parser.js';
import { closeBody, frame } from '../harness/frame-client.js';
import { invalidUtf8, mutate, mutation } from './arbitraries.js';
import { checkProperty } from './run-property.js';

type ParserEvent =
  | { type: 'message'; data: Buffer; binary: boolean }
  | { type: 'ping'; payload: Buffer }
  | { type: 'close'; code: number }
  | { type: 'error'; code: WsCloseCode };

/** The frame parser with every callback recorded. */
class RecordingParser extends FrameParser {
  readonly events: ParserEvent[] = [];
  constructor(private readonly limit: number) {
    super();
  }
  protected get maxPayload(): number {
    return this.limit;
  }
  feed(chunk: Buffer): void {
    this.parse(chunk);
  }
  protected onFrameMessage(data: Buffer, isBinary: boolean): void {
    this.events.push({ type: 'message', data: Buffer.from(data), binary: isBinary });
  }
  protected onFramePing(payload: Buffer): void {
    this.events.push({ type: 'ping', payload: Buffer.from(payload) });
  }
  protected onFrameClose(code: number): void {
    this.events.push({ type: 'close', code });
  }
  protected onFrameError(code: WsCloseCode): void {
    this.events.push({ type: 'error', code });
  }
}

const MAX_PAYLOAD = 4096;
const ERROR_CODES = new Set([
  WsCloseCode.ProtocolError,
  WsCloseCode.InvalidPayload,
  WsCloseCode.MessageTooBig,
]);

/** Splits bytes at the given cut points (fractions of the length) and feeds them. */
function parseInChunks(bytes: Buffer, cuts: readonly number[], limit = MAX_PAYLOAD): ParserEvent[] {
  const parser = new RecordingParser(limit);
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((x, y) => x - y);
  let at = 0;
  for (const point of [...points, bytes.length]) {
    if (point <= at) continue;
    // Each chunk is its own buffer, as a socket delivers them; the parser unmasks in place.
    parser.feed(Buffer.from(bytes.subarray(at, point)));
    at = point;
  }
  assertEvents(parser.events, limit);
  return parser.events;
}

/** The parser's contract: messages and pings, then at most one close or error, and nothing after it. */
function assertEvents(events: readonly ParserEvent[], limit: number): void {
  events.forEach((event, i) => {
    if (event.type === 'close' || event.type === 'error') {
      assert.equal(i, events.length - 1, 'nothing after a close or an error');
    }
    if (event.type === 'error') assert.ok(ERROR_CODES.has(event.code), String(event.code));
    if (event.type === 'close') assert.ok(event.code === 1005 || event.code >= 1000, String(event.code));
    if (event.type === 'message') {
      assert.ok(event.data.length <= limit);
      if (!event.binary) assert.ok(isUtf8(event.data), 'text messages are UTF-8');
    }
    if (event.type === 'ping') assert.ok(event.payload.length <= 125);
  });
}

type Piece = { frames: Buffer[]; events: ParserEvent[] };

const maskKey = fc.uint8Array({ minLength: 4, maxLength: 4 });
const lengthBits = (size: number): fc.Arbitrary<7 | 16 | 64> =>
  size < 126 ? fc.constantFrom(7, 16, 64) : size < 65_536 ? fc.constantFrom(16, 64) : fc.constant(64);

/** One encoded frame with a generated mask and length form. */
function encoded(opcode: number, payload: Buffer, fin = true): fc.Arbitrary<Buffer> {
  return fc
    .tuple(maskKey, lengthBits(payload.length))
    .map(([key, bits]) => frame(opcode, payload, { fin, maskKey: key, lengthBits: bits }));
}

const textPayload = fc.string({ maxLength: 300 }).map((s) => Buffer.from(s));
const binaryPayload = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
const pingPayload = fc.uint8Array({ maxLength: 125 }).map((b) => Buffer.from(b));

const pingPiece: fc.Arbitrary<Piece> = pingPayload.chain((p) =>
  encoded(9, p).map((f) => ({ frames: [f], events: [{ type: 'ping' as const, payload: p }] })),
);
const pongPiece: fc.Arbitrary<Piece> = pingPayload.chain((p) =>
  encoded(10, p).map((f) => ({ frames: [f], events: [] })),
);

/** A data message, whole or in fragments with control frames between them. */
const messagePiece: fc.Arbitrary<Piece> = fc
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
const validStream = fc
  .tuple(fc.array(fc.oneof(messagePiece, pingPiece, pongPiece), { maxLength: 6 }), fc.option(closePiece))
  .map(([pieces, close]) => {
    const all = close === null ? pieces : [...pieces, close];
    return {
      bytes: Buffer.concat(all.flatMap((p) => p.frames)),
      events: all.flatMap((p) => p.events),
    };
  });

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

describe('fuzz: WebSocket frame parser', () => {
  it('delivers exactly the frames of a valid stream, however the bytes are split', () => {
    checkProperty(
      'frame parser: valid streams',
      fc.property(validStream, cuts, (stream, at) => {
        assert.deepEqual(parseInChunks(stream.bytes, at), stream.events);
      }),
      800,
    );
  });

  it('never throws on random bytes and fails only with 1002, 1007 or 1009', () => {
    checkProperty(
      'frame parser: random bytes',
      fc.property(fc.uint8Array({ maxLength: 400 }), cuts, (bytes, at) => {
        parseInChunks(Buffer.from(bytes), at);
      }),
      1000,
    );
  });

  it('never throws on mutated valid streams, and never delivers invalid UTF-8 as text', () => {
    checkProperty(
      'frame parser: mutated streams',
      fc.property(
        validStream,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        cuts,
        (stream, edits, at) => {
          parseInChunks(mutate(stream.bytes, edits), at);
        },
      ),
      1500,
    );
  });

  it('fails with 1007 on a text message that is not UTF-8, whole or fragmented', () => {
    checkProperty(
      'frame parser: invalid UTF-8',
      fc.property(invalidUtf8, fc.integer({ min: 1, max: 3 }), maskKey, cuts, (bytes, parts, key, at) => {
        const step = Math.ceil(bytes.length / parts);
        const frames = Array.from({ length: parts }, (_, i) =>
          frame(i === 0 ? 1 : 0, bytes.subarray(i * step, (i + 1) * step), {
            fin: i === parts - 1,
            maskKey: key,
          }),
        );
        assert.deepEqual(parseInChunks(Buffer.concat(frames), at), [{ type: 'error', code: 1007 }]);
        const asBinary = parseInChunks(frame(2, bytes, { maskKey: key }), at);
        assert.deepEqual(asBinary, [{ type: 'message', data: bytes, binary: true }]);
      }),
      300,
    );
  });

  it('fails with 1009 on a message over the size limit, before buffering it', () => {
    const limit = 64;
    checkProperty(
      'frame parser: oversized',
      fc.property(
        fc.integer({ min: limit + 1, max: 100_000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(1, 2),
        maskKey,
        cuts,
        (size, parts, opcode, key, at) => {
          const payload = Buffer.alloc(size, 0x61);
          const step = Math.ceil(size / parts);
          const frames = Array.from({ length: parts }, (_, i) =>
            frame(i === 0 ? opcode : 0, payload.subarray(i * step, (i + 1) * step), {
              fin: i === parts - 1,
              maskKey: key,
            }),
          );
          assert.deepEqual(parseInChunks(Buffer.concat(frames), at, limit), [{ type: 'error', code: 1009 }]);
        },
      ),
      200,
    );
  });
});
