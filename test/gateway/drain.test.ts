import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { waveSize, waveTimes } from '../../src/gateway/drain.js';
import { DisconnectCode } from '../../src/protocol/codes.js';
import { waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { type RawClient, rawConnect } from '../harness/raw-client.js';

/** Connected raw clients, each recording when its socket closed. */
async function connectClients(
  node: TestNode,
  count: number,
): Promise<{ client: RawClient; closedAt: Promise<number> }[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const client = await rawConnect(node.wsUrl);
      const reply = await client.call(1, 'connect', { token: await node.token(`u${i}`) });
      assert.ok(reply['connect'], `client ${i} connected`);
      return { client, closedAt: client.closed.then(() => performance.now()) };
    }),
  );
}

async function get(node: TestNode, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${node.baseUrl}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The HTTP status a WebSocket upgrade is answered with (101 when it opens). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', (error) => {
      if (ws.readyState !== WebSocket.CLOSED) reject(error);
    });
  });
}

describe('drain plan', () => {
  it('spreads the waves over the window and closes everything at once without one', () => {
    assert.deepEqual(waveTimes({ durationMs: 1000, waves: 4 }), [0, 250, 500, 750]);
    assert.deepEqual(waveTimes({ durationMs: 0, waves: 4 }), [0]);
    assert.deepEqual(waveTimes({ durationMs: 1000, waves: 1 }), [0]);
  });

  it('gives each wave an even share of the connections left', () => {
    const sizes: number[] = [];
    let left = 10;
    for (let i = 0; i < 4; i++) {
      const size = waveSize(left, i, 4);
      sizes.push(size);
      left -= size;
    }
    assert.deepEqual(sizes, [3, 3, 2, 2]);
    assert.equal(left, 0);
    assert.equal(waveSize(5, 3, 4), 5, 'the last wave takes everything left');
  });
});

describe('readiness and drain of a node', () => {
  it('is ready and alive while it runs on the memory engine', async () => {
    const node = await startTestNode();
    try {
      assert.deepEqual(await get(node, '/ready'), { status: 200, body: { status: 'ready' } });
      assert.equal((await get(node, '/health')).status, 200);
    } finally {
      await node.stop();
    }
  });

  it('reports not ready, refuses upgrades and closes clients with 3001 in waves over drain_duration', async () => {
    const node = await startTestNode({
      shutdown: { drain_duration: '1200ms', drain_waves: 4, timeout: '10s' },
    });
    const clients = await connectClients(node, 40);
    const began = performance.now();
    const stopped = node.stop();
    try {
      assert.deepEqual(await get(node, '/ready'), {
        status: 503,
        body: { status: 'not ready', reason: 'draining' },
      });
      assert.equal((await get(node, '/health')).status, 200, '/health stays alive while draining');
      assert.equal(await upgradeStatus(node.wsUrl), 503, 'new WebSocket connections are refused');
      const api = await node.api('info');
      assert.equal(api.status, 200, 'the server API still answers while draining');
    } finally {
      await stopped;
    }
    const codes = await Promise.all(clients.map(({ client }) => client.closed.then((c) => c.code)));
    assert.ok(
      codes.every((code) => code === DisconnectCode.Shutdown),
      `every client got 3001: ${codes.join(',')}`,
    );
    const times = (await Promise.all(clients.map((c) => c.closedAt)))
      .map((t) => t - began)
      .sort((a, b) => a - b);
    // Waves at 0, 300, 600 and 900 ms, ten clients each. Loose bounds: the machine may be busy.
    const firstWave = times.filter((t) => t < 150).length;
    assert.ok(firstWave <= 20, `at most about one wave closes at once: ${firstWave} in the first 150 ms`);
    assert.ok(
      times.at(-1)! - times[0]! >= 500,
      `closes spread over the window: ${times.map(Math.round).join(',')}`,
    );
  });

  it('hurry() tells every remaining client to reconnect at once', async () => {
    const node = await startTestNode({ shutdown: { drain_duration: '60s', drain_waves: 3, timeout: '30s' } });
    const clients = await connectClients(node, 9);
    const stopped = node.app.server.stop(20_000);
    await waitFor(() => node.app.node.connections.size === 6, 'the first wave');
    node.app.server.hurry();
    await stopped;
    const codes = await Promise.all(clients.map(({ client }) => client.closed.then((c) => c.code)));
    assert.ok(codes.every((code) => code === DisconnectCode.Shutdown));
    await node.stop();
  });

  it('never drains past the hard limit (the stop timeout)', async () => {
    const node = await startTestNode({ shutdown: { drain_duration: '60s', drain_waves: 2, timeout: '30s' } });
    const clients = await connectClients(node, 4);
    const began = performance.now();
    await node.app.server.stop(800);
    const elapsed = performance.now() - began;
    await Promise.all(clients.map(({ client }) => client.closed));
    assert.ok(
      elapsed < 5000,
      `stop ended near the hard limit, not after drain_duration: ${Math.round(elapsed)} ms`,
    );
    await node.stop();
  });
});
