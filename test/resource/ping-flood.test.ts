/**
 * WebSocket pings on a socket that never reads, against a node in its own process, with each
 * transport: 40 MiB of empty pings (about 7 million). Every ping asks for a pong; a node that
 * writes them all holds them for a client that never takes them, and destroying that socket later
 * stalls its event loop for as long as it takes to fail every held write.
 *
 * Pings need no login. The attacker here logs in and subscribes only so that the node has a reason
 * to cut it within the test: publications it never reads make it a slow client (3008). Without a
 * login the node cuts it too, as stale, but only after `stale_close_delay` and the 30 s close
 * timeout. The node's memory must stay bounded and return near where it was, and a connected
 * neighbour and `GET /health` must be answered within a bound during the flood and the cut.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  errorCode,
  frame,
  type NodeProcess,
  type RawClient,
  rawConnect,
  sleep,
  startNodeProcess,
  token,
} from '../harness/index.js';
import { scrape } from '../metrics/scrape.js';
import { MemoryWatch, pidOf } from './helpers.js';
import { LatencyProbe } from './latency-probe.js';
import { pump, repeat, upgradedSocket } from './ws-attacker.js';

const MIB = 1024 * 1024;
const FLOOD_BYTES = 40 * MIB;
/** An empty masked ping is 6 bytes: about a mebibyte of them per block. */
const BLOCK = repeat(frame(9, Buffer.alloc(0), { maskKey: Buffer.from([1, 2, 3, 4]) }), Math.floor(MIB / 6));
/** The flood must be taken within this. */
const FLOOD_DEADLINE_MS = 15_000;
/** Loose: the machine is shared; a stalled event loop shows as seconds, not hundreds of ms. */
const LATENCY_BOUND_MS = 2000;
const SLOW = 'switchboard_slow_client_disconnects_total';
/** Publications for the attacker until the node cuts it: kernel buffers, then `queue_max_size`. */
const PUBLICATION = { text: 'x'.repeat(32 * 1024) };
const MAX_PUBLICATIONS = 1000;

async function connections(node: NodeProcess): Promise<number> {
  return (await scrape(node.baseUrl)).count('switchboard_connections');
}

for (const transport of ['lean', 'ws'] as const) {
  describe(`resource: ping flood (${transport} transport)`, () => {
    let node: NodeProcess;
    before(async () => {
      node = await startNodeProcess(`pings-${transport}`, {
        websocket: { transport },
        client: { subscribe_to_user_personal_channel: { enabled: false } },
      });
    });
    after(() => node.stop());

    it('40 MiB of pings never read: bounded memory, neighbours served, no stall when the socket is cut', async () => {
      const neighbour: RawClient = await rawConnect(node.wsUrl);
      assert.equal(
        errorCode(await neighbour.call(1, 'connect', { token: await token('neighbour') })),
        undefined,
      );
      const login = [
        JSON.stringify({ id: 1, connect: { token: await token('attacker') } }),
        JSON.stringify({ id: 2, subscribe: { channel: 'news' } }),
      ].join('\n');
      const attacker = await upgradedSocket(node.port, { frames: frame(1, login), until: '"id":2' });
      assert.equal(await connections(node), 2);
      const slowBefore = (await scrape(node.baseUrl)).count(SLOW);
      const memory = new MemoryWatch(pidOf(node));
      const probe = new LatencyProbe(node, neighbour);
      const startedAt = Date.now();
      let written = 0;
      let flooded = 0;
      let cutAt = 0;
      let published = 0;
      let cutDuringFlood = false;
      let cutAfter = 0;
      try {
        written = await pump(attacker, BLOCK, FLOOD_BYTES, startedAt + FLOOD_DEADLINE_MS);
        flooded = Date.now();
        // Let the node work through what it has read.
        await sleep(1000);
        cutDuringFlood = (await connections(node)) === 1;
        cutAt = Date.now();
        while (!cutDuringFlood && published < MAX_PUBLICATIONS && (await connections(node)) === 2) {
          assert.equal((await node.api('publish', { channel: 'news', data: PUBLICATION })).status, 200);
          published++;
        }
        while ((await connections(node)) !== 1) {
          if (Date.now() - cutAt > 30_000) throw new Error('the attacker was not cut');
          await sleep(20);
        }
        cutAfter = Date.now() - cutAt;
        await sleep(2000);
      } finally {
        attacker.destroy();
        await probe.stop();
        neighbour.ws.terminate();
        memory.stop();
        memory.report(`${transport}: ${(written / MIB).toFixed(0)} MiB of pings never read`);
      }
      const slow = (await scrape(node.baseUrl)).count(SLOW) - slowBefore;
      const during = probe.slowestSince(startedAt, cutAt);
      const aroundCut = probe.slowestSince(cutAt);
      console.log(
        `${transport}: ${(written / MIB).toFixed(0)} MiB of pings taken in ${flooded - startedAt} ms; ` +
          (cutDuringFlood
            ? 'the node cut the attacker during the flood; '
            : `cut as slow (${slow}) ${cutAfter} ms after the first of ${published} publications; `) +
          `slowest neighbour ping or /health: ${during} ms during the flood, ${aroundCut} ms from the cut on`,
      );
      assert.ok(
        written >= FLOOD_BYTES || cutDuringFlood,
        `the node took ${written} bytes in ${FLOOD_DEADLINE_MS} ms`,
      );
      if (!cutDuringFlood) assert.equal(slow, 1, 'the attacker is cut as a slow client');
      assert.equal(probe.failed, 0, 'a neighbour ping or /health went unanswered');
      assert.ok(during < LATENCY_BOUND_MS, `slowest neighbour answer during the flood ${during} ms`);
      assert.ok(aroundCut < LATENCY_BOUND_MS, `slowest neighbour answer from the cut on ${aroundCut} ms`);
      memory.assertPeakGrowthBelow(64);
      const kept = (memory.after - memory.before) / MIB;
      // What is left is mostly the publications that made the attacker slow (the node wrote 5 MiB).
      assert.ok(kept < 48, `RSS still ${kept.toFixed(1)} MiB above where it started`);
    });
  });
}
