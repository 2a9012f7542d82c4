/**
 * How frames reach the socket: every connection writes once per flush, connections whose queues
 * hold the same frames get the same bytes (framed once, `SharedWire`), and `client.write_delay`
 * holds a flush open for its window. Raw WebSocket clients count the messages they receive, since
 * each message is one write of the node.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestNode, type TestNode } from '../harness/node.js';
import { waitFor } from '../harness/wait.js';

interface Client {
  /** Every WebSocket message, as the lines (JSON messages) it carried. */
  messages: Record<string, unknown>[][];
  /** When each message arrived (performance.now()). */
  at: number[];
  ws: WebSocket;
}

/** A raw client connected as `user` and subscribed to `channels`, its setup replies dropped. */
async function client(node: TestNode, user: string, channels: string[]): Promise<Client> {
  const ws = new WebSocket(node.wsUrl);
  const c: Client = { messages: [], at: [], ws };
  ws.on('message', (data) => {
    c.at.push(performance.now());
    c.messages.push(
      data
        .toString()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const commands: Record<string, unknown>[] = [{ id: 1, connect: { token: await node.token(user) } }];
  for (const channel of channels) commands.push({ id: commands.length + 1, subscribe: { channel } });
  ws.send(commands.map((c) => JSON.stringify(c)).join('\n'));
  const replies = () => c.messages.flat().filter((m) => typeof m['id'] === 'number').length;
  await waitFor(() => replies() === commands.length, { timeoutMs: 5000 });
  c.messages.length = 0;
  c.at.length = 0;
  return c;
}

/** The data of every publication push a client got, per message. */
function pubs(c: Client): unknown[][] {
  return c.messages.map((lines) =>
    lines.map((m) => ((m['push'] as { pub?: { data?: unknown } } | undefined)?.pub?.data as unknown) ?? m),
  );
}

describe('write batching', () => {
  let node: TestNode | undefined;
  const clients: Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.close();
    await node?.stop();
    node = undefined;
  });

  it('one message per flush; subscribers with different queues in one flush each get their own frames', async () => {
    node = await startTestNode({ client: { subscribe_to_user_personal_channel: { enabled: false } } });
    const a = await client(node, 'a', ['room']);
    const b = await client(node, 'b', ['room', 'side']);
    const c = await client(node, 'c', ['room']);
    clients.push(a, b, c);
    // One batch: all four publications go out in the same turn.
    const res = await node.api('batch', {
      commands: [
        { publish: { channel: 'room', data: { n: 1 } } },
        { publish: { channel: 'side', data: { n: 'b only' } } },
        { publish: { channel: 'room', data: { n: 2 } } },
        { publish: { channel: 'room', data: { n: 3 } } },
      ],
    });
    assert.equal(res.status, 200);
    await waitFor(() => a.messages.length > 0 && b.messages.length > 0 && c.messages.length > 0, {
      timeoutMs: 5000,
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(pubs(a), [[{ n: 1 }, { n: 2 }, { n: 3 }]]);
    assert.deepEqual(pubs(b), [[{ n: 1 }, { n: 'b only' }, { n: 2 }, { n: 3 }]]);
    assert.deepEqual(pubs(c), [[{ n: 1 }, { n: 2 }, { n: 3 }]]);
  });

  it('write_delay 0: publications of different turns are different messages', async () => {
    node = await startTestNode({ client: { subscribe_to_user_personal_channel: { enabled: false } } });
    const a = await client(node, 'a', ['room']);
    clients.push(a);
    await node.api('publish', { channel: 'room', data: { n: 1 } });
    await new Promise((r) => setTimeout(r, 30));
    await node.api('publish', { channel: 'room', data: { n: 2 } });
    await waitFor(() => a.messages.flat().length === 2, { timeoutMs: 5000 });
    assert.deepEqual(pubs(a), [[{ n: 1 }], [{ n: 2 }]]);
  });

  it('write_delay: what a connection gets within the window goes out in one message, the window later', async () => {
    const delay = 300;
    node = await startTestNode({
      client: { write_delay: `${delay}ms`, subscribe_to_user_personal_channel: { enabled: false } },
    });
    const a = await client(node, 'a', ['room']);
    const b = await client(node, 'b', ['room']);
    clients.push(a, b);
    const sent = performance.now();
    await node.api('publish', { channel: 'room', data: { n: 1 } });
    await new Promise((r) => setTimeout(r, 50));
    await node.api('publish', { channel: 'room', data: { n: 2 } });
    await waitFor(() => a.messages.length > 0 && b.messages.length > 0, { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(pubs(a), [[{ n: 1 }, { n: 2 }]]);
    assert.deepEqual(pubs(b), [[{ n: 1 }, { n: 2 }]]);
    // Timers may fire a little early relative to another clock; never much before the window ends.
    assert.ok(a.at[0]! - sent >= delay - 20, `written after ${a.at[0]! - sent} ms, window ${delay} ms`);
  });

  it('write_delay: a reply waits for the window too', async () => {
    node = await startTestNode({
      client: { write_delay: '200ms', subscribe_to_user_personal_channel: { enabled: false } },
    });
    const ws = new WebSocket(node.wsUrl);
    await new Promise((resolve) => ws.once('open', resolve));
    const t0 = performance.now();
    const got = new Promise<number>((resolve) => ws.once('message', () => resolve(performance.now() - t0)));
    ws.send(JSON.stringify({ id: 1, connect: { token: await node.token('x') } }));
    const ms = await got;
    ws.close();
    assert.ok(ms >= 180, `connect reply after ${ms} ms`);
  });
});
