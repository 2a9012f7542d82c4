/**
 * One client connection over an in-memory transport, on a gateway node with the memory engine: its
 * writes (one per turn), its outbound limit, how it closes, its deadlines in the node's timer wheel
 * (stale, ping and pong, token expiry) and the frames it refuses. No sockets, no command handlers.
 * Mocked `setInterval` and `Date` drive the wheel; the flush runs from a real `setImmediate`.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { signToken } from '../../../src/auth/token-signer.js';
import { resolveConfig } from '../../../src/config/index.js';
import { createMemoryEngine } from '../../../src/engine/memory/index.js';
import { Connection } from '../../../src/gateway/connection.js';
import { GatewayNode } from '../../../src/gateway/node.js';
import type { Transport, TransportHandler } from '../../../src/gateway/transport.js';
import { DisconnectCode } from '../../../src/protocol/codes.js';
import { jsonEncoding } from '../../../src/protocol/json/index.js';
import { nextTurn } from './fixtures.js';

/** A transport that keeps what the connection writes and how it ended the socket. */
class MemoryTransport implements Transport {
  isOpen = true;
  bufferedAmount = 0;
  handler: TransportHandler | undefined;
  readonly sent: Buffer[] = [];
  closed: { code: number; reason: string } | undefined;
  terminated = false;

  attach(handler: TransportHandler): void {
    this.handler = handler;
  }

  send(payload: Buffer): void {
    if (this.isOpen) this.sent.push(payload);
  }

  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.isOpen = false;
  }

  terminate(): void {
    this.terminated = true;
    this.isOpen = false;
  }

  texts(): string[] {
    return this.sent.map((b) => b.toString());
  }
}

const SECRET = 'unit-test-secret-0123456789abcdef';
const CLIENT = {
  ping_interval: '25s',
  pong_timeout: '8s',
  stale_close_delay: '10s',
  expired_close_delay: '25s',
};
const MS = { ping: 25_000, pong: 8_000, stale: 10_000, expired: 25_000 };

/** A node on mocked time, one connection on it, and a way to move time on. */
function open(
  t: TestContext,
  client: Record<string, unknown> = {},
): { node: GatewayNode; conn: Connection; transport: MemoryTransport; advance(ms: number): void } {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 });
  const engine = createMemoryEngine();
  const config = resolveConfig({
    client: { token: { hmac_secret_key: SECRET }, ...CLIENT, ...client },
    log: { level: 'silent' },
  });
  const node = new GatewayNode({ config, engine });
  t.after(async () => {
    await node.stop();
    await engine.close();
  });
  const transport = new MemoryTransport();
  const conn = new Connection(node, transport, jsonEncoding);
  // The wheel walks one bucket per tick: step in its resolution so every tick sees its own time.
  const advance = (ms: number): void => {
    for (let left = ms; left > 0; left -= 250) t.mock.timers.tick(Math.min(250, left));
  };
  return { node, conn, transport, advance };
}

describe('Connection: writes', () => {
  it('writes the frames queued in one turn as one payload, joined by newlines, after the turn', async (t) => {
    const { conn, transport } = open(t);
    conn.enqueue(Buffer.from('{"a":1}'));
    conn.enqueue(Buffer.from('{"b":2}'));
    assert.deepEqual(transport.sent, []);
    await nextTurn();
    assert.deepEqual(transport.texts(), ['{"a":1}\n{"b":2}']);
    assert.equal(conn.outboundBytes, 0);
  });

  it('writes a lone frame as the buffer it was given', async (t) => {
    const { conn, transport } = open(t);
    const frame = Buffer.from('{"shared":true}');
    conn.enqueue(frame);
    await nextTurn();
    assert.equal(transport.sent[0], frame);
  });

  it('cuts a connection whose queue passes queue_max_size, dropping what it held', async (t) => {
    const { node, conn, transport } = open(t, { queue_max_size: 100 });
    conn.enqueue(Buffer.from('x'.repeat(60)));
    assert.equal(conn.outboundBytes, 60);
    conn.enqueue(Buffer.from('x'.repeat(60)));
    assert.equal(conn.state, 'closed');
    assert.equal(transport.terminated, true, 'a slow client gets no close frame');
    await nextTurn();
    assert.deepEqual(transport.sent, []);
    assert.equal(node.connections.size, 0);
  });

  it('cuts a connection when the socket’s unsent bytes and the queue pass the limit together', async (t) => {
    const { conn, transport } = open(t, { queue_max_size: 100 });
    transport.bufferedAmount = 90;
    conn.enqueue(Buffer.from('x'.repeat(20)));
    assert.equal(conn.outboundBytes, 110);
    await nextTurn();
    assert.equal(transport.terminated, true);
    assert.deepEqual(transport.sent, []);
  });
});

describe('Connection: closing', () => {
  it('writes what is queued, then the close frame; closes once and queues nothing after', async (t) => {
    const { node, conn, transport } = open(t);
    conn.enqueue(Buffer.from('{"last":1}'));
    conn.close(DisconnectCode.BadRequest);
    assert.deepEqual(transport.texts(), ['{"last":1}']);
    assert.equal(transport.closed?.code, DisconnectCode.BadRequest);
    conn.close(DisconnectCode.Stale);
    conn.enqueue(Buffer.from('{"late":1}'));
    await nextTurn();
    assert.equal(transport.closed?.code, DisconnectCode.BadRequest);
    assert.equal(transport.sent.length, 1);
    assert.equal(node.connections.size, 0);
  });

  it('never sends a close reason longer than a close frame holds', (t) => {
    const { conn, transport } = open(t);
    conn.close(DisconnectCode.BadRequest, 'x'.repeat(200));
    assert.equal(transport.closed?.code, DisconnectCode.BadRequest);
    assert.ok(Buffer.byteLength(transport.closed.reason) <= 123);
  });

  it('forgets a connection whose socket closed, with whatever it had queued', async (t) => {
    const { node, conn, transport } = open(t);
    conn.enqueue(Buffer.from('{"lost":1}'));
    transport.isOpen = false;
    transport.handler?.onClose();
    assert.equal(conn.state, 'closed');
    assert.equal(node.connections.size, 0);
    await nextTurn();
    assert.deepEqual(transport.sent, []);
  });

  it('cuts a connection the transport reports as slow', (t) => {
    const { conn, transport } = open(t);
    transport.handler?.onSlow();
    assert.equal(conn.state, 'closed');
    assert.equal(transport.terminated, true);
  });
});

describe('Connection: deadlines in the timer wheel', () => {
  it('closes a connection that never connects as stale after stale_close_delay', (t) => {
    const { conn, transport, advance } = open(t);
    advance(MS.stale - 250);
    assert.equal(conn.state, 'opening');
    advance(500);
    assert.equal(transport.closed?.code, DisconnectCode.Stale);
  });

  it('pings a connected client every ping_interval and closes it without a pong after pong_timeout', async (t) => {
    const { conn, transport, advance } = open(t);
    conn.markConnected();
    advance(MS.ping - 250);
    await nextTurn();
    assert.deepEqual(transport.sent, []);
    advance(500);
    await nextTurn();
    assert.deepEqual(transport.texts(), ['{}'], 'the ping');
    advance(MS.pong + 250);
    assert.equal(transport.closed?.code, DisconnectCode.NoPong);
  });

  it('takes any frame from the client as its pong', async (t) => {
    const { conn, transport, advance } = open(t);
    conn.markConnected();
    advance(MS.ping + 250);
    await nextTurn();
    transport.handler?.onMessage(Buffer.from('{}'), false);
    advance(MS.pong + 500);
    assert.equal(conn.state, 'connected');
    advance(MS.ping);
    await nextTurn();
    assert.deepEqual(transport.texts(), ['{}', '{}'], 'pinged again a ping_interval later');
  });

  it('closes a connection whose token expired once expired_close_delay is over', (t) => {
    const { conn, transport, advance } = open(t, { ping_interval: '300s', pong_timeout: '100s' });
    conn.expiresAt = Date.now() + 1000;
    conn.markConnected();
    advance(1000 + MS.expired - 250);
    assert.equal(conn.state, 'connected');
    advance(500);
    assert.equal(transport.closed?.code, DisconnectCode.Expired);
  });
});

describe('Connection: frames it refuses', () => {
  const refused: [string, Buffer, boolean][] = [
    ['a frame that is not JSON', Buffer.from('{"id":1,'), false],
    ['a binary frame that is not UTF-8', Buffer.from([0xff, 0xfe, 0x7b]), true],
    ['a command before connect', Buffer.from('{"id":1,"ping":{}}'), false],
    ['an unknown method before connect', Buffer.from('{"id":1,"nope":{}}'), false],
  ];
  for (const [what, data, binary] of refused) {
    it(`closes with bad request on ${what}`, (t) => {
      const { transport } = open(t);
      transport.handler?.onMessage(data, binary);
      assert.equal(transport.closed?.code, DisconnectCode.BadRequest);
    });
  }

  it('closes with too many requests when more than 1024 commands wait to run', async (t) => {
    const { transport } = open(t, { command_rate_limit: 0 });
    // A frame holds at most 256 commands; the first connect still checks its token while the
    // next frames arrive, so the others wait.
    const token = await signToken({ sub: 'u' }, SECRET);
    let id = 0;
    const frame = (): Buffer =>
      Buffer.from(
        Array.from({ length: 206 }, () => JSON.stringify({ id: ++id, connect: { token } })).join('\n'),
      );
    for (let i = 0; i < 5 && transport.closed === undefined; i++)
      transport.handler?.onMessage(frame(), false);
    assert.equal(transport.closed?.code, DisconnectCode.TooManyRequests);
  });

  it('reads nothing once closed', (t) => {
    const { conn, transport } = open(t);
    conn.close(DisconnectCode.Stale);
    transport.handler?.onMessage(Buffer.from('not json'), false);
    assert.equal(transport.closed?.code, DisconnectCode.Stale);
  });
});
