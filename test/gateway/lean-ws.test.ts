/**
 * The lean WebSocket transport against a raw TCP client writing frames by hand: handshake checks,
 * frames split across chunks, every length form, and each protocol violation's close code.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { acceptKey } from '../../src/gateway/ws/handshake.js';
import { waitFor } from '../harness/centrifuge-client.js';
import { closeBody, FrameClient, frame } from '../harness/frame-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';

const TEXT = 1;
const BINARY = 2;
const CONTINUATION = 0;
const CLOSE = 8;
const PING = 9;
const PONG = 10;
const LIMIT = 100_000;

describe('lean WebSocket transport', () => {
  let node: TestNode;
  const clients: FrameClient[] = [];

  before(async () => {
    node = await startTestNode({ websocket: { transport: 'lean', message_size_limit: LIMIT } });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await waitFor(() => node.app.node.connections.size === 0, 'every connection released');
  });
  after(() => node.stop());

  async function open(headers: Record<string, string> = {}): Promise<FrameClient> {
    const { client, response } = await FrameClient.open(node.port, headers);
    clients.push(client);
    assert.match(response, /^HTTP\/1\.1 101 /);
    return client;
  }

  /** A connect command, padded so its frame needs the wanted length form. */
  async function connectCommand(padding = 0): Promise<string> {
    const token = await node.token('u1');
    return JSON.stringify({ id: 1, connect: { token, data: { pad: 'x'.repeat(padding) } } });
  }

  async function connectReply(client: FrameClient): Promise<Record<string, unknown>> {
    await waitFor(() => client.replies().some((r) => r['id'] === 1), 'connect reply');
    const reply = client.replies().find((r) => r['id'] === 1)!;
    assert.equal(reply['error'], undefined);
    return reply;
  }

  it('answers the handshake with the RFC accept key and no extensions', async () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    assert.equal(acceptKey(key), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    const { client, response } = await FrameClient.open(node.port, {
      'Sec-WebSocket-Key': key,
      'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
    });
    clients.push(client);
    assert.match(response, /^HTTP\/1\.1 101 /);
    assert.match(response, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i);
    assert.doesNotMatch(response, /Sec-WebSocket-Extensions/i);
  });

  it('refuses a wrong version with 426 and the supported version, a bad key with 400', async () => {
    const wrong = await FrameClient.open(node.port, { 'Sec-WebSocket-Version': '8' });
    clients.push(wrong.client);
    assert.match(wrong.response, /^HTTP\/1\.1 426 /);
    assert.match(wrong.response, /\r\nSec-WebSocket-Version: 13/);
    const badKey = await FrameClient.open(node.port, { 'Sec-WebSocket-Key': 'short' });
    clients.push(badKey.client);
    assert.match(badKey.response, /^HTTP\/1\.1 400 /);
    const noUpgrade = await FrameClient.open(node.port, { Connection: 'keep-alive', Upgrade: 'websocket' });
    clients.push(noUpgrade.client);
    assert.doesNotMatch(noUpgrade.response, /^HTTP\/1\.1 101 /);
  });

  it('reassembles a fragmented message written one byte per chunk, with a ping in between', async () => {
    const c = await open();
    const text = await connectCommand(200);
    const third = Math.floor(text.length / 3);
    const bytes = Buffer.concat([
      frame(TEXT, text.slice(0, third), { fin: false }),
      frame(PING, 'mid'),
      frame(CONTINUATION, text.slice(third, 2 * third), { fin: false }),
      frame(CONTINUATION, text.slice(2 * third)),
    ]);
    await c.writeSlowly(bytes.subarray(0, 40), 1);
    await c.writeSlowly(bytes.subarray(40), 97);
    await connectReply(c);
    const pong = c.frames.find((f) => f.opcode === PONG);
    assert.equal(pong?.payload.toString(), 'mid');
  });

  it('parses 16-bit and 64-bit lengths, and many frames in one chunk', async () => {
    const c16 = await open();
    const medium = await connectCommand(1000);
    await c16.writeSlowly(frame(TEXT, medium, { lengthBits: 16 }), 300);
    await connectReply(c16);

    const c64 = await open();
    const large = await connectCommand(70_000);
    c64.socket.write(frame(BINARY, large, { lengthBits: 64 }));
    await connectReply(c64);

    const many = await open();
    many.socket.write(
      Buffer.concat([frame(PING, 'a'), frame(PING, 'b'), frame(TEXT, await connectCommand())]),
    );
    await connectReply(many);
    // Pings in one read get one pong, for the last of them (RFC 6455 section 5.5.3).
    assert.deepEqual(
      many.frames.filter((f) => f.opcode === PONG).map((f) => f.payload.toString()),
      ['b'],
    );
  });

  it('answers a ping with a pong carrying the same payload', async () => {
    const c = await open();
    const payload = Buffer.from([0, 1, 2, 250, 251, 252, 253]);
    c.socket.write(frame(PING, payload));
    await waitFor(() => c.frames.some((f) => f.opcode === PONG), 'pong');
    assert.deepEqual(c.frames.find((f) => f.opcode === PONG)!.payload, payload);
  });

  it('answers 10,000 pings written at once with a few pongs, the last for the last ping', async () => {
    const c = await open();
    const pings = Array.from({ length: 10_000 }, (_, i) => frame(PING, `p${i}`));
    c.socket.write(Buffer.concat(pings));
    await waitFor(() => c.frames.some((f) => f.payload.toString() === 'p9999'), 'pong for the last ping');
    await new Promise((r) => setTimeout(r, 100));
    const pongs = c.frames.filter((f) => f.opcode === PONG).map((f) => f.payload.toString());
    // One per socket read at most: about 90 KB arrive in a few reads.
    assert.ok(pongs.length <= 20, `${pongs.length} pongs`);
    assert.equal(pongs.at(-1), 'p9999');
    // The connection is still fine.
    c.socket.write(frame(TEXT, await connectCommand()));
    await connectReply(c);
  });

  it('answers a ping that comes with a close frame before echoing the close, and none after it', async () => {
    const c = await open();
    c.socket.write(
      Buffer.concat([frame(PING, 'before'), frame(CLOSE, closeBody(1000)), frame(PING, 'after')]),
    );
    assert.equal(await c.closeCode(), 1000);
    assert.deepEqual(
      c.frames.map((f) => [f.opcode, f.opcode === PONG ? f.payload.toString() : '']),
      [
        [PONG, 'before'],
        [CLOSE, ''],
      ],
    );
  });

  it('echoes a close frame and ends the socket', async () => {
    const c = await open();
    c.socket.write(frame(TEXT, await connectCommand()));
    await connectReply(c);
    c.socket.write(frame(CLOSE, closeBody(1000, 'bye')));
    assert.equal(await c.closeCode(), 1000);
  });

  it('echoes an empty close frame without a code', async () => {
    const c = await open();
    c.socket.write(frame(CLOSE, Buffer.alloc(0)));
    assert.equal(await c.closeCode(), 1005);
  });

  const violations: [string, () => Promise<Buffer>, number][] = [
    ['an unmasked frame', async () => frame(TEXT, '{}', { mask: false }), 1002],
    ['RSV bits', async () => frame(TEXT, '{}', { rsv: 4 }), 1002],
    ['an unknown opcode', async () => frame(3, '{}'), 1002],
    ['a control frame over 125 bytes', async () => frame(PING, Buffer.alloc(126)), 1002],
    ['a fragmented control frame', async () => frame(PING, 'x', { fin: false }), 1002],
    ['a continuation without a message', async () => frame(CONTINUATION, '{}'), 1002],
    [
      'a new message inside a fragmented one',
      async () => Buffer.concat([frame(TEXT, '{', { fin: false }), frame(TEXT, '}')]),
      1002,
    ],
    ['a close frame with a 1-byte payload', async () => frame(CLOSE, Buffer.from([3])), 1002],
    ['a close frame with code 1005', async () => frame(CLOSE, closeBody(1005)), 1002],
    ['a close frame with code 2000', async () => frame(CLOSE, closeBody(2000)), 1002],
    [
      'a close reason that is not UTF-8',
      async () => frame(CLOSE, Buffer.concat([closeBody(1000), Buffer.from([0xc3, 0x28])])),
      1007,
    ],
    ['a text frame that is not UTF-8', async () => frame(TEXT, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 1007],
    [
      'a fragmented text message that is not UTF-8',
      async () =>
        Buffer.concat([
          frame(TEXT, Buffer.from([0x7b, 0xe2]), { fin: false }),
          frame(CONTINUATION, Buffer.from([0x28, 0xa1, 0x7d])),
        ]),
      1007,
    ],
    ['a frame over the size limit', async () => frame(TEXT, Buffer.alloc(LIMIT + 1, 0x20)), 1009],
    [
      'a fragmented message over the size limit',
      async () =>
        Buffer.concat([
          frame(TEXT, Buffer.alloc(LIMIT / 2, 0x20), { fin: false }),
          frame(CONTINUATION, Buffer.alloc(LIMIT / 2 + 1, 0x20)),
        ]),
      1009,
    ],
  ];
  for (const [what, bytes, code] of violations) {
    it(`closes with ${code} on ${what}`, async () => {
      const c = await open();
      c.socket.write(frame(TEXT, await connectCommand()));
      await connectReply(c);
      c.socket.write(await bytes());
      assert.equal(await c.closeCode(), code);
    });
  }

  it('closes with 1009 on a declared length over the limit before the payload arrives', async () => {
    const c = await open();
    const head = frame(BINARY, Buffer.alloc(LIMIT + 10)).subarray(0, 14);
    c.socket.write(head);
    assert.equal(await c.closeCode(), 1009);
  });
});

describe('lean WebSocket transport: pongs and the outbound limit', () => {
  it('a pong that would take the socket past client.queue_max_size cuts the client as slow', async () => {
    // 100 bytes: a pong for a 10-byte ping fits, one for a 125-byte ping does not.
    const node = await startTestNode({ websocket: { transport: 'lean' }, client: { queue_max_size: 100 } });
    try {
      const { client } = await FrameClient.open(node.port);
      client.socket.write(frame(PING, 'x'.repeat(10)));
      await waitFor(() => client.frames.some((f) => f.opcode === PONG), 'pong for a small ping');
      client.socket.write(frame(PING, 'y'.repeat(125)));
      await client.ended;
      // Cut as Connection cuts slow clients: no close handshake, no pong.
      assert.deepEqual(
        client.frames.map((f) => f.opcode),
        [PONG],
      );
      const scrape = await (await fetch(`${node.baseUrl}/metrics`)).text();
      assert.match(scrape, /^switchboard_slow_client_disconnects_total 1$/m);
    } finally {
      await node.stop();
    }
  });
});
