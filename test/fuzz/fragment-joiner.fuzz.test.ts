/**
 * The fragment joiner of the `ws` transport, differentially: the `ws` package's own receiver fed a
 * client stream directly, and fed the same stream through the joiner, must report the same
 * messages, pings, pongs, close and error codes, however the bytes are split into reads; for valid
 * streams, mutated ones and random bytes, and messages over the size limit. The joiner holds at most
 * about twice the message being joined.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FragmentJoiner } from '../../src/gateway/ws/fragment-joiner.js';
import { frame } from '../harness/frame-client.js';
import { mutate, mutation } from './arbitraries.js';
import { checkProperty } from './run-property.js';
import { cuts, maskKey, split, validStream } from './ws-streams.js';

const require = createRequire(import.meta.url);
/** The package's receiver (it exports it), as its WebSocket makes it for a server socket. */
const { Receiver } = require('ws') as { Receiver: new (options: object) => ReceiverLike };

/** The close code the package puts on a receiver error, under a symbol it does not export. */
function statusCode(error: Error): number {
  const key = Object.getOwnPropertySymbols(error).find((s) => s.description === 'status-code');
  return key === undefined ? -1 : ((error as unknown as Record<symbol, number>)[key] ?? -1);
}

interface ReceiverLike {
  write(chunk: Buffer): boolean;
  on(event: string, listener: (...args: never[]) => void): void;
}

type Event =
  | { type: 'message'; data: Buffer; binary: boolean }
  | { type: 'ping' | 'pong'; data: Buffer }
  | { type: 'close'; code: number }
  | { type: 'error'; code: number };

/** A receiver with its events recorded; only the first error counts (later writes fail too). */
function recorded(maxPayload: number): { receiver: ReceiverLike; events: Event[] } {
  const events: Event[] = [];
  const receiver = new Receiver({ isServer: true, maxPayload, binaryType: 'nodebuffer', extensions: {} });
  let failed = false;
  receiver.on('message', (data: Buffer, binary: boolean) =>
    events.push({ type: 'message', data: Buffer.from(data), binary }),
  );
  receiver.on('ping', (data: Buffer) => events.push({ type: 'ping', data: Buffer.from(data) }));
  receiver.on('pong', (data: Buffer) => events.push({ type: 'pong', data: Buffer.from(data) }));
  receiver.on('conclude', (code: number) => events.push({ type: 'close', code }));
  receiver.on('error', (error: Error) => {
    if (failed) return;
    failed = true;
    events.push({ type: 'error', code: statusCode(error) });
  });
  return { receiver, events };
}

/** Events of the package's receiver fed the reads directly, and fed them through a joiner. */
function both(bytes: Buffer, at: readonly number[], maxPayload: number): [Event[], Event[]] {
  const direct = recorded(maxPayload);
  for (const read of split(bytes, at)) direct.receiver.write(read);
  const joined = recorded(maxPayload);
  const joiner = new FragmentJoiner((piece) => joined.receiver.write(piece), maxPayload);
  for (const read of split(bytes, at)) {
    joiner.write(read);
    assert.ok(joiner.heldBytes <= 2 * maxPayload, `joiner holds ${joiner.heldBytes} bytes`);
  }
  return [direct.events, joined.events];
}

const limit = fc.constantFrom(64, 4096);

/** A message in `parts` fragments of `size` bytes in all, with a ping between the first two. */
const fragmented = fc
  .tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 2), maskKey)
  .map(([size, parts, opcode, key]) => {
    const payload = Buffer.alloc(size, 0x61);
    const step = Math.ceil(size / parts) || 1;
    const frames = Array.from({ length: parts }, (_, i) =>
      frame(i === 0 ? opcode : 0, payload.subarray(i * step, (i + 1) * step), {
        fin: i === parts - 1,
        maskKey: key,
      }),
    );
    if (parts > 1) frames.splice(1, 0, frame(9, 'between', { maskKey: key }));
    return Buffer.concat(frames);
  });

describe('fuzz: ws fragment joiner', () => {
  it('the package reports the same events with and without the joiner on valid streams', () => {
    checkProperty(
      'fragment joiner: valid streams',
      fc.property(validStream, cuts, limit, (stream, at, max) => {
        const [direct, joined] = both(stream.bytes, at, max);
        assert.deepEqual(joined, direct);
      }),
      800,
    );
  });

  it('the same events on fragmented messages under and over the size limit', () => {
    checkProperty(
      'fragment joiner: fragmented',
      fc.property(fc.array(fragmented, { minLength: 1, maxLength: 3 }), cuts, limit, (messages, at, max) => {
        const [direct, joined] = both(Buffer.concat(messages), at, max);
        assert.deepEqual(joined, direct);
      }),
      600,
    );
  });

  it('the same events on mutated streams and random bytes', () => {
    checkProperty(
      'fragment joiner: mutated',
      fc.property(
        fc.oneof(
          validStream.map((s) => s.bytes),
          fragmented,
        ),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        cuts,
        limit,
        (bytes, edits, at, max) => {
          const [direct, joined] = both(mutate(bytes, edits), at, max);
          assert.deepEqual(joined, direct);
        },
      ),
      1500,
    );
    checkProperty(
      'fragment joiner: random bytes',
      fc.property(fc.uint8Array({ maxLength: 400 }), cuts, limit, (bytes, at, max) => {
        const [direct, joined] = both(Buffer.from(bytes), at, max);
        assert.deepEqual(joined, direct);
      }),
      1000,
    );
  });
});
