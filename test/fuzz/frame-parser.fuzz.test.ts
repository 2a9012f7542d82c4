/**
 * Properties of the WebSocket frame parser over random, mutated and malformed input: it never throws,
 * delivers exactly the frames it was given (however the bytes are split) or fails with 1002/1007/1009.
 * It keeps no view into a read once it has parsed it (each read is overwritten right after), and
 * holds at most about twice the bytes of an unfinished frame and message.
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { WsCloseCode } from '../../src/gateway/ws/close-codes.js';
import { FrameParser } from '../../src/gateway/ws/frame-parser.js';
import { frame } from '../harness/frame-client.js';
import { invalidUtf8, mutate, mutation } from './arbitraries.js';
import { checkProperty } from './run-property.js';
import { cuts, maskKey, type ParserEvent, split, validStream } from './ws-streams.js';

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

/** Largest frame header. */
const MAX_HEADER = 14;

/**
 * Splits bytes at the given cut points (fractions of the length) and feeds them, each chunk its own
 * buffer as a socket delivers them (the parser unmasks in place). Once parsed, a chunk is
 * overwritten, as a reused read buffer would be: a parser keeping a view into it would deliver the
 * garbage. What the parser holds between reads stays within twice a frame and a message.
 */
function parseInChunks(bytes: Buffer, at: readonly number[], limit = MAX_PAYLOAD): ParserEvent[] {
  const parser = new RecordingParser(limit);
  for (const chunk of split(bytes, at)) {
    parser.feed(chunk);
    chunk.fill(0xee);
    assert.ok(parser.heldBytes <= 2 * limit + MAX_HEADER, `holds ${parser.heldBytes} bytes`);
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

describe('fuzz: WebSocket frame parser', () => {
  it('delivers exactly the frames of a valid stream, however the bytes are split', () => {
    checkProperty(
      'frame parser: valid streams',
      fc.property(validStream, cuts, (stream, at) => {
        assert.deepEqual(parseInChunks(stream.bytes, at), stream.events);
        // A stream of whole frames leaves nothing held.
        const parser = new RecordingParser(MAX_PAYLOAD);
        for (const chunk of split(stream.bytes, at)) parser.feed(chunk);
        assert.equal(parser.heldBytes, 0);
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

  it('holds a message of 65,536 one-byte fragments in one buffer, each fragment read into the same 64 KiB', () => {
    const limit = 65_536;
    const parser = new RecordingParser(limit);
    // One read buffer, reused: a fragment kept as a view into it would be overwritten by the next read.
    const read = Buffer.allocUnsafeSlow(64 * 1024);
    const pong = frame(10, Buffer.alloc(125), { maskKey: Buffer.from([1, 2, 3, 4]) });
    let most = 0;
    for (let i = 0; i < limit; i++) {
      const fragment = frame(i === 0 ? 1 : 0, String.fromCharCode(97 + (i % 26)), {
        fin: i === limit - 1,
        maskKey: Buffer.from([i & 0xff, 5, 6, 7]),
      });
      fragment.copy(read, 0);
      pong.copy(read, fragment.length);
      parser.feed(read.subarray(0, fragment.length + pong.length));
      most = Math.max(most, parser.heldBytes);
    }
    assert.ok(most <= 2 * limit, `held ${most} bytes at most`);
    assert.equal(parser.heldBytes, 0);
    const expected = Buffer.from(Array.from({ length: limit }, (_, i) => 97 + (i % 26)));
    assert.deepEqual(parser.events, [{ type: 'message', data: expected, binary: false }]);
  });
});
