/**
 * A client that stops reading: with `client.queue_max_size` small, a burst of publications disconnects it
 * while a normal subscriber on the same channel gets every message and the node's memory stays bounded.
 * The node runs in this process, so its memory is measured here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode } from '../harness/node.js';
import { rawConnect } from '../harness/raw-client.js';

const MESSAGES = 3000;
const PAYLOAD = 'x'.repeat(10 * 1024);
const MIB = 1024 * 1024;

// A forced collection makes "memory held" measurable: without it the heap's lazy growth hides a leak of
// the size of the burst (30 MB here) in the noise.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes the process holds after a full collection: JS heap plus Buffers. */
function heldBytes(): number {
  gc();
  const mem = process.memoryUsage();
  return mem.heapUsed + mem.arrayBuffers;
}

describe('limits: slow client', () => {
  it('client.queue_max_size: a client that never reads is disconnected, others get everything', async () => {
    const node = await startTestNode({
      client: { queue_max_size: 65_536, subscribe_to_user_personal_channel: { enabled: false } },
    });
    const fast = newClient(node.wsUrl, { token: await node.token('fast') });
    const slow = await rawConnect(node.wsUrl);
    try {
      const reply = await slow.call(1, 'connect', { token: await node.token('slow') });
      assert.equal(reply['error'], undefined);
      assert.equal((await slow.call(2, 'subscribe', { channel: 'firehose' }))['error'], undefined);
      // From here on the slow client's socket is never read: the kernel buffers fill, then the node's.
      slow.ws.pause();

      fast.connect();
      await connected(fast);
      const sub = fast.newSubscription('firehose');
      // Only the index is kept, so the test's own memory does not grow with the payloads.
      const seen: number[] = [];
      sub.on('publication', (ctx) => seen.push((ctx.data as { i: number }).i));
      sub.subscribe();
      await sub.ready(3000);
      assert.equal(node.app.node.connections.size, 2);

      const heldBefore = heldBytes();
      const rssBefore = process.memoryUsage().rss;
      let heldPeak = heldBefore;
      let rssPeak = rssBefore;
      let slowGoneAt = -1;
      for (let i = 0; i < MESSAGES; i++) {
        const res = await node.api('publish', { channel: 'firehose', data: { i, payload: PAYLOAD } });
        assert.equal(res.status, 200);
        if (slowGoneAt < 0 && node.app.node.connections.userConnectionCount('slow') === 0) slowGoneAt = i;
        if (i % 100 === 0) {
          heldPeak = Math.max(heldPeak, heldBytes());
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        }
      }
      await waitFor(() => seen.length === MESSAGES, `all ${MESSAGES} publications`, 20_000);

      assert.ok(slowGoneAt >= 0, 'the slow client was disconnected during the burst');
      assert.equal(node.app.node.connections.userConnectionCount('fast'), 1, 'the fast client stays');
      assert.equal(node.app.node.connections.size, 1);
      const info = await node.api('info');
      const nodes = (info.body['result'] as { nodes: { num_clients: number; num_users: number }[] }).nodes;
      assert.equal(nodes[0]!.num_clients, 1);
      assert.equal(nodes[0]!.num_users, 1);

      assert.deepEqual(
        seen,
        Array.from({ length: MESSAGES }, (_, i) => i),
        'every publication once, in order',
      );
      const held = heldPeak - heldBefore;
      assert.ok(held < 12 * MIB, `memory held grew by ${(held / MIB).toFixed(1)} MiB`);
      const rss = rssPeak - rssBefore;
      assert.ok(rss < 100 * MIB, `rss grew by ${(rss / MIB).toFixed(1)} MiB`);
    } finally {
      slow.ws.terminate();
      fast.disconnect();
      await node.stop();
    }
  });
});
