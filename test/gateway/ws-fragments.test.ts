/**
 * Fragmented messages with each WebSocket transport, from a raw TCP client writing frames by hand:
 * the lean parser copies fragments into one buffer, the `ws` transport joins them before the
 * package sees them (fragment-joiner.ts). Both must deliver the same messages and refuse the same
 * violations with the same close codes.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { waitFor } from '../harness/centrifuge-client.js';
import { closeBody, FrameClient, frame } from '../harness/frame-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';

const TEXT = 1;
const CONTINUATION = 0;
const CLOSE = 8;
const PING = 9;
const PONG = 10;
const LIMIT = 70_000;

/** `text` as one fragment per `step` bytes. */
function fragments(text: string | Buffer, step: number, opcode = TEXT): Buffer {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const frames: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += step) {
    const last = at + step >= bytes.length;
    frames.push(frame(at === 0 ? opcode : CONTINUATION, bytes.subarray(at, at + step), { fin: last }));
  }
  return Buffer.concat(frames);
}

for (const transport of ['lean', 'ws'] as const) {
  describe(`fragmented messages (${transport} transport)`, () => {
    let node: TestNode;
    const clients: FrameClient[] = [];

    before(async () => {
      node = await startTestNode({ websocket: { transport, message_size_limit: LIMIT } });
    });
    afterEach(async () => {
      for (const c of clients.splice(0)) c.socket.destroy();
      await waitFor(() => node.app.node.connections.size === 0, 'every connection released');
    });
    after(() => node.stop());

    async function open(): Promise<FrameClient> {
      const { client, response } = await FrameClient.open(node.port);
      clients.push(client);
      assert.match(response, /^HTTP\/1\.1 101 /);
      return client;
    }

    async function connectCommand(padding = 0): Promise<string> {
      const token = await node.token('u1');
      return JSON.stringify({ id: 1, connect: { token, data: { pad: 'x'.repeat(padding) } } });
    }

    async function connected(client: FrameClient): Promise<void> {
      await waitFor(() => client.replies().some((r) => r['id'] === 1), 'connect reply');
      assert.equal(client.replies().find((r) => r['id'] === 1)!['error'], undefined);
    }

    /** The code of the server's close frame (the `ws` package waits for ours before it ends). */
    async function closeCode(client: FrameClient): Promise<number> {
      await waitFor(() => client.frames.some((f) => f.opcode === CLOSE), 'a close frame');
      const close = client.frames.find((f) => f.opcode === CLOSE)!;
      return close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005;
    }

    it('delivers a message in fragments written one byte per chunk, with a ping in between', async () => {
      const c = await open();
      const text = await connectCommand(100);
      const half = Math.floor(text.length / 2);
      const bytes = Buffer.concat([
        frame(TEXT, text.slice(0, half), { fin: false }),
        frame(PING, 'mid'),
        frame(CONTINUATION, text.slice(half)),
      ]);
      await c.writeSlowly(bytes.subarray(0, 30), 1);
      await c.writeSlowly(bytes.subarray(30), 50);
      await connected(c);
      assert.equal(c.frames.find((f) => f.opcode === PONG)?.payload.toString(), 'mid');
    });

    it('delivers a message of 60,000 one-byte fragments, and an empty fragmented one', async () => {
      const c = await open();
      const text = await connectCommand(60_000 - (await connectCommand()).length);
      c.socket.write(fragments(text, 1));
      await connected(c);
      // Empty fragments around an empty message: `{}` is a pong to the client protocol, so the
      // connection stays; a ping after it still gets its pong.
      c.socket.write(
        Buffer.concat([
          frame(TEXT, '', { fin: false }),
          frame(CONTINUATION, '{}', { fin: false }),
          frame(CONTINUATION, ''),
          frame(PING, 'after'),
        ]),
      );
      await waitFor(() => c.frames.some((f) => f.payload.toString() === 'after'), 'pong');
    });

    const violations: [string, () => Buffer, number][] = [
      ['a continuation without a message', () => frame(CONTINUATION, '{}'), 1002],
      [
        'a new message inside a fragmented one',
        () => Buffer.concat([frame(TEXT, '{', { fin: false }), frame(TEXT, '}')]),
        1002,
      ],
      [
        'a fragmented text message that is not UTF-8',
        () => fragments(Buffer.from([0x7b, 0xe2, 0x28, 0xa1, 0x7d]), 2),
        1007,
      ],
      [
        'a fragmented message over the size limit',
        () => fragments(Buffer.alloc(LIMIT + 1, 0x20), 1000),
        1009,
      ],
      [
        'one-byte fragments past the size limit',
        () => fragments(Buffer.alloc(LIMIT + 1, 0x20), 1).subarray(0, 7 * (LIMIT + 1)),
        1009,
      ],
    ];
    for (const [what, bytes, code] of violations) {
      it(`closes with ${code} on ${what}`, async () => {
        const c = await open();
        c.socket.write(frame(TEXT, await connectCommand()));
        await connected(c);
        c.socket.write(bytes());
        assert.equal(await closeCode(c), code);
      });
    }

    it('echoes a close frame that comes in the middle of a fragmented message', async () => {
      const c = await open();
      c.socket.write(frame(TEXT, await connectCommand()));
      await connected(c);
      c.socket.write(Buffer.concat([frame(TEXT, '{"id":2,', { fin: false }), frame(CLOSE, closeBody(1000))]));
      assert.equal(await closeCode(c), 1000);
      assert.equal(
        c.replies().some((r) => r['id'] === 2),
        false,
      );
    });
  });
}
