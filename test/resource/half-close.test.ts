/**
 * A client that stops reading, lets the node queue publications for it, then half-closes its socket
 * (FIN) and keeps it open. The node answers the FIN by ending its own side, but its FIN waits behind
 * the queued bytes the client never reads, and the connection is no longer counted by any limit once
 * it is released: without a deadline such sockets, and the bytes they hold, live for good. The node
 * must cut them after its close timeout, as it does for every closing socket.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { frame, type NodeProcess, sleep, startNodeProcess, token } from '../harness/index.js';
import { upgradedSocket } from './ws-attacker.js';

/** The node's close timeout (`CLOSE_TIMEOUT_MS` in src/gateway/ws/websocket-endpoint.ts) plus room for a loaded machine. */
const CUT_WITHIN_MS = 30_000 + 8000;
/** Enough to fill the kernel's socket buffers on loopback and leave some in the node's. */
const PUBLICATIONS = 120;
const PUBLICATION = { text: 'x'.repeat(64 * 1024) };

/**
 * Whether the kernel still holds the node's end of the connection from `clientPort` (/proc/net/tcp:
 * local port `serverPort`, remote port `clientPort`). The client is paused, so it would not see a reset.
 */
function serverEndOpen(serverPort: number, clientPort: number): boolean {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  const wanted = `:${hex(serverPort)} `;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, remote] = line.trim().split(/\s+/);
    if (local === undefined || remote === undefined) continue;
    if (`${local} `.endsWith(wanted) && remote.endsWith(`:${hex(clientPort)}`)) return true;
  }
  return false;
}

/** Resolves with the time the node's end of the connection is gone, or 0 after `ms`. */
async function serverEndGone(serverPort: number, clientPort: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!serverEndOpen(serverPort, clientPort)) return Date.now();
    await sleep(250);
  }
  return 0;
}

describe('resource: a half-closed socket that never reads', () => {
  let node: NodeProcess;
  before(async () => {
    node = await startNodeProcess('half-close', {
      // Large enough that the node keeps the bytes rather than cutting the client as slow.
      client: { queue_max_size: 64 * 1024 * 1024, subscribe_to_user_personal_channel: { enabled: false } },
    });
  });
  after(() => node.stop());

  it('is cut after the close timeout, with what it held', { timeout: 90_000 }, async () => {
    const mask = { maskKey: Buffer.from([9, 8, 7, 6]) };
    const login = [
      JSON.stringify({ id: 1, connect: { token: await token('half') } }),
      JSON.stringify({ id: 2, subscribe: { channel: 'news' } }),
    ].join('\n');
    const socket = await upgradedSocket(node.port, { frames: frame(1, login, mask), until: '"id":2' });
    for (let i = 0; i < PUBLICATIONS; i++) {
      const { status } = await node.api('publish', { channel: 'news', data: PUBLICATION });
      assert.equal(status, 200);
    }
    await sleep(500);
    const clientPort = socket.localPort!;
    assert.ok(serverEndOpen(node.port, clientPort), 'no connection from the attacker in /proc/net/tcp');
    const endedAt = Date.now();
    socket.end();
    const cutAt = await serverEndGone(node.port, clientPort, CUT_WITHIN_MS);
    socket.destroy();
    assert.ok(cutAt > 0, `the half-closed socket was still open ${CUT_WITHIN_MS} ms after its FIN`);
    console.log(`half-closed socket cut ${cutAt - endedAt} ms after its FIN`);
  });
});
