/**
 * Slow readers over HTTP streaming: raw HTTP clients that open `/connection/http_stream`,
 * subscribe through `/emulation` and then never read while publications flood their channel. The
 * node (in its own process, so its memory is its own) must cut them as slow (3008) once a
 * session's unsent bytes pass `client.queue_max_size`, keep its resident memory bounded, and keep
 * serving a neighbour on the same channel every publication in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect, setup, sleep, TEST_API_KEY, token, waitFor } from '../../harness/index.js';
import { MemoryWatch, pidOf } from '../../resource/helpers.js';
import {
  emulate,
  numbers,
  openRawStream,
  type RawStream,
  range,
  streamClient,
  streamConfig,
} from './helpers.js';

const SLOW_READERS = 20;
const PUBLICATIONS = 1500;
const PAYLOAD = 'x'.repeat(8 * 1024);
const QUEUE_MAX = 256 * 1024;
const CHANNEL = 'chat:firehose';
/** 80 KiB a batch: well under the queue limit, so the neighbour, which reads, is never cut. */
const BATCH = 10;

/** Publications `from`..`to` in one server-API batch, in order; fails on any error reply. */
async function publishBatch(base: string, from: number, to: number): Promise<void> {
  const commands = range(from, to).map((n) => ({
    publish: { channel: CHANNEL, data: { n, payload: PAYLOAD } },
  }));
  const res = await fetch(`${base}/api/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
    body: JSON.stringify({ commands }),
  });
  const body = (await res.json()) as { replies?: { error?: unknown }[] };
  assert.equal(res.status, 200);
  assert.equal(body.replies?.length, commands.length, JSON.stringify(body).slice(0, 300));
  assert.deepEqual(
    body.replies.filter((r) => r.error !== undefined),
    [],
  );
}

async function slowDisconnects(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('switchboard_disconnects_total{') && l.includes('code="3008"'));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

async function numClients(node: {
  api(m: string): Promise<{ body: Record<string, unknown> }>;
}): Promise<number> {
  const res = await node.api('info');
  return (res.body['result'] as { nodes: { num_clients: number }[] }).nodes[0]?.num_clients ?? -1;
}

describe('http_stream slow readers', { timeout: 90_000 }, () => {
  it('are disconnected as slow while publications flood, memory bounded, a neighbour gets everything', async () => {
    await using t = setup();
    const node = await t.nodeProcess('slow-readers', {
      ...streamConfig,
      client: { queue_max_size: QUEUE_MAX },
    });
    const slow: RawStream[] = [];
    for (let i = 0; i < SLOW_READERS; i++) {
      const stream = t.defer(await openRawStream(node.baseUrl, `slow-${i}`), (s) => s.close());
      const data = JSON.stringify({ id: 2, subscribe: { channel: CHANNEL } });
      const res = await emulate(
        node.baseUrl,
        JSON.stringify({ node: stream.node, session: stream.session, data }),
      );
      assert.equal(res.status, 204, res.text);
      await waitFor(() => stream.frames.length >= 2, `slow reader ${i} subscribed`, 5000);
      assert.ok(
        (stream.frames[1] as { subscribe?: unknown }).subscribe !== undefined,
        JSON.stringify(stream.frames[1]),
      );
      // From here on the response is never read: the kernel's buffers fill, then the node's.
      stream.response.pause();
      slow.push(stream);
    }

    const fast = t.defer(
      streamClient(node.baseUrl, ['http_stream'], 'json', { token: await token('fast') }),
      (c) => c.disconnect(),
    );
    const sub = fast.newSubscription(CHANNEL);
    const got = collect(sub);
    sub.subscribe();
    fast.connect();
    await sub.ready(5000);
    assert.equal(await numClients(node), SLOW_READERS + 1);
    assert.equal(await slowDisconnects(node.baseUrl), 0);

    await sleep(500);
    const memory = new MemoryWatch(pidOf(node));
    try {
      for (let n = 1; n <= PUBLICATIONS; n += BATCH) await publishBatch(node.baseUrl, n, n + BATCH - 1);
      await waitFor(() => got.length >= PUBLICATIONS, 'the neighbour got every publication', 20_000);
      await waitFor(async () => (await numClients(node)) === 1, 'only the neighbour is left', 10_000);
    } finally {
      memory.stop();
    }
    memory.report(`${SLOW_READERS} slow http_stream readers, ${PUBLICATIONS} x 8 KiB publications`);
    // Unbounded, the node would hold every publication for every slow reader: 240 MB.
    memory.assertPeakGrowthBelow(96);
    assert.equal(await slowDisconnects(node.baseUrl), SLOW_READERS, 'each slow reader cut with 3008');
    // The neighbour's publications, once each and in order, without the payloads kept around.
    assert.deepEqual(numbers(got), range(1, PUBLICATIONS));
    assert.equal(fast.state, 'connected');
    // A slow reader received far less than was published before it was cut.
    for (const s of slow) assert.ok(s.frames.length < PUBLICATIONS / 2, `${s.frames.length} frames read`);
  });
});
