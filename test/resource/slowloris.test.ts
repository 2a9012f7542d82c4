/**
 * Slow and stalled clients against a node in its own process: raw TCP sockets that send nothing, half an
 * upgrade request, or one header byte at a time must be cut after the header timeout (10 s by default),
 * sockets that upgrade but never `connect` after `client.stale_close_delay`, and a frame announcing 2^62
 * bytes at once with 1009. Meanwhile an ordinary client connects and receives publications, and the
 * node's resident memory stays bounded.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  connected,
  FrameClient,
  type NodeProcess,
  newClient,
  sleep,
  startNodeProcess,
  tcpConnect,
  token,
  waitFor,
} from '../harness/index.js';
import { closedAfter, MemoryWatch, pidOf } from './helpers.js';

/** The default header timeout, and the slack allowed on top of it. */
const HEADER_TIMEOUT_MS = 10_000;
const SLACK_MS = 4_000;
const PER_KIND = 150;
const UPGRADE_HEAD = 'GET /connection/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n';

/** An ordinary SDK client that must be served while the attack runs; resolves with what it received. */
async function servedClient(node: NodeProcess, user: string): Promise<number[]> {
  const client = newClient(node.wsUrl, { token: await token(user) });
  try {
    client.connect();
    await connected(client);
    const sub = client.newSubscription('news');
    const got: number[] = [];
    sub.on('publication', (ctx) => got.push((ctx.data as { i: number }).i));
    sub.subscribe();
    await sub.ready(5000);
    for (let i = 0; i < 3; i++) {
      const res = await node.api('publish', { channel: 'news', data: { i } });
      assert.equal(res.status, 200);
    }
    await waitFor(() => got.length === 3, `${user} receives 3 publications`);
    return got;
  } finally {
    client.disconnect();
  }
}

describe('resource: slow and stalled clients', () => {
  let node: NodeProcess;
  before(async () => {
    node = await startNodeProcess('slowloris', {
      client: { stale_close_delay: '2s', subscribe_to_user_personal_channel: { enabled: false } },
    });
  });
  after(() => node.stop());

  it('sockets that never finish the upgrade request are closed after the header timeout', async () => {
    const memory = new MemoryWatch(pidOf(node));
    const startedAt = Date.now();
    const idle: Socket[] = [];
    const partial: Socket[] = [];
    const drip: Socket[] = [];
    for (let i = 0; i < PER_KIND; i++) {
      idle.push(await tcpConnect(node.port));
      const half = await tcpConnect(node.port);
      half.write(UPGRADE_HEAD);
      partial.push(half);
      const slow = await tcpConnect(node.port);
      slow.write(`${UPGRADE_HEAD}X-Slow: `);
      drip.push(slow);
    }
    // One header byte per socket every 500 ms: each socket is never idle, its headers never end.
    const dripper = setInterval(() => {
      for (const s of drip) if (!s.destroyed) s.write('a');
    }, 500);
    const responses = new Map<Socket, string>();
    for (const s of [...partial, ...drip]) {
      s.setEncoding('latin1');
      s.on('data', (d: string) => responses.set(s, (responses.get(s) ?? '') + d));
    }
    try {
      assert.deepEqual(await servedClient(node, 'during'), [0, 1, 2]);
      const times = await Promise.race([
        Promise.all(
          [idle, partial, drip].map((kind) => Promise.all(kind.map((s) => closedAfter(s, startedAt)))),
        ),
        sleep(HEADER_TIMEOUT_MS + SLACK_MS).then(() => {
          const open = (kind: Socket[]): number => kind.filter((s) => !s.destroyed).length;
          throw new Error(
            `still open after ${HEADER_TIMEOUT_MS + SLACK_MS} ms: ` +
              `${open(idle)} idle, ${open(partial)} partial, ${open(drip)} dripping of ${PER_KIND} each`,
          );
        }),
      ]);
      const [idleMs, partialMs, dripMs] = times.map((t) => Math.max(...t));
      console.log(
        `last idle socket closed after ${idleMs} ms, partial ${partialMs} ms, dripping ${dripMs} ms`,
      );
      for (const ms of [idleMs!, partialMs!, dripMs!])
        assert.ok(ms >= HEADER_TIMEOUT_MS - 1000, `closed early: ${ms}`);
      // A request head that ran out of time is answered 408, as Node's own server does; a socket
      // silent for the whole timeout is closed without an answer.
      const answers = new Set(drip.map((s) => responses.get(s)?.split('\r\n', 1)[0]));
      assert.deepEqual([...answers], ['HTTP/1.1 408 Request Timeout']);
      assert.deepEqual(await servedClient(node, 'after'), [0, 1, 2]);
    } finally {
      clearInterval(dripper);
      for (const s of [...idle, ...partial, ...drip]) s.destroy();
      memory.stop();
      memory.report(`${PER_KIND * 3} slowloris sockets`);
    }
    memory.assertPeakGrowthBelow(64);
  });

  it('sockets that upgrade but never connect are closed with 3502 after stale_close_delay', async () => {
    const memory = new MemoryWatch(pidOf(node));
    const startedAt = Date.now();
    const stalled: FrameClient[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        const { client, response } = await FrameClient.open(node.port);
        assert.match(response, /^HTTP\/1.1 101 /);
        stalled.push(client);
      }
      assert.deepEqual(await servedClient(node, 'stale-neighbour'), [0, 1, 2]);
      const codes = await Promise.all(stalled.map((c) => c.closeCode(15_000)));
      const elapsed = Date.now() - startedAt;
      console.log(`300 stalled upgrades closed after ${elapsed} ms`);
      assert.deepEqual([...new Set(codes)], [3502]);
      assert.ok(elapsed >= 2000, `closed before stale_close_delay: ${elapsed} ms`);
    } finally {
      for (const c of stalled) c.socket.destroy();
      memory.stop();
      memory.report('300 upgraded sockets that never connect');
    }
    memory.assertPeakGrowthBelow(64);
  });

  it('a frame announcing 2^62 bytes is refused with 1009 without allocating', async () => {
    const memory = new MemoryWatch(pidOf(node));
    const clients: FrameClient[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const { client } = await FrameClient.open(node.port);
        // FIN + text, masked, 64-bit length 2^62, then the mask key: a header with no payload behind it.
        const header = Buffer.alloc(14);
        header[0] = 0x81;
        header[1] = 0x80 | 127;
        header.writeBigUInt64BE(2n ** 62n, 2);
        client.socket.write(header);
        clients.push(client);
      }
      const codes = await Promise.all(clients.map((c) => c.closeCode(5000)));
      assert.deepEqual([...new Set(codes)], [1009]);
      assert.deepEqual(await servedClient(node, 'huge-neighbour'), [0, 1, 2]);
    } finally {
      for (const c of clients) c.socket.destroy();
      memory.stop();
      memory.report('200 frames announcing 2^62 bytes');
    }
    memory.assertPeakGrowthBelow(64);
  });
});
