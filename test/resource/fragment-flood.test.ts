/**
 * Fragmented messages made to pin socket reads, against a node in its own process, with each
 * transport: a few sockets each send one text message as one-byte fragments, every fragment
 * followed by about 64 KiB of pong frames (which need no answer), so that each fragment arrives in
 * its own socket read. A parser that keeps each fragment as a view into the read it came in keeps
 * the whole 64 KiB read alive for one byte of message. The node must hold no more than the bytes of
 * the messages (bounded by `websocket.message_size_limit`, 4 KiB here), refuse the message with
 * 1009 once it passes the limit, keep serving a neighbour and `GET /health`, and return near its
 * starting memory once the attackers are gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  errorCode,
  FrameClient,
  frame,
  type NodeProcess,
  type RawClient,
  rawConnect,
  type ServerFrame,
  sleep,
  startNodeProcess,
  token,
  waitFor,
} from '../harness/index.js';
import { MemoryWatch, pidOf } from './helpers.js';
import { LatencyProbe } from './latency-probe.js';
import { pump, repeat } from './ws-attacker.js';

const MIB = 1024 * 1024;
const LIMIT = 4096;
const ATTACKERS = 4;
const KEY = { maskKey: Buffer.from([9, 8, 7, 6]) };
/** One one-byte continuation fragment and 500 pongs of 125 bytes: 65,507 bytes. */
const UNIT = Buffer.concat([
  frame(0, 'x', { ...KEY, fin: false }),
  repeat(frame(10, Buffer.alloc(125, 0x61), KEY), 500),
]);
/** 16 units per write, about a mebibyte. */
const BLOCK = repeat(UNIT, 16);
/** Enough units to pass the limit, and a cap in case the node never refuses the message. */
const MAX_BYTES = (LIMIT + 64) * UNIT.length;
// Generous: on a loaded machine the pumps need longer to pass the limit, and nothing waits on it otherwise.
const FLOOD_DEADLINE_MS = 45_000;
const LATENCY_BOUND_MS = 2000;

/** The code of the close frame the node sent, -1 when none came within 10 s. */
async function closeFrame(client: FrameClient): Promise<number> {
  const close = (): ServerFrame | undefined => client.frames.find((f) => f.opcode === 8);
  await waitFor(() => close() !== undefined, 'a close frame', 10_000).catch(() => {});
  const frame = close();
  return frame === undefined ? -1 : frame.payload.readUInt16BE(0);
}

for (const transport of ['lean', 'ws'] as const) {
  describe(`resource: fragment flood (${transport} transport)`, () => {
    let node: NodeProcess;
    before(async () => {
      node = await startNodeProcess(`fragments-${transport}`, {
        websocket: { transport, message_size_limit: LIMIT },
        client: { stale_close_delay: '60s', subscribe_to_user_personal_channel: { enabled: false } },
      });
    });
    after(() => node.stop());

    it(`${ATTACKERS} sockets of one-byte fragments in 64 KiB reads: bounded memory, 1009, neighbours served`, async () => {
      const neighbour: RawClient = await rawConnect(node.wsUrl);
      assert.equal(
        errorCode(await neighbour.call(1, 'connect', { token: await token('neighbour') })),
        undefined,
      );
      const memory = new MemoryWatch(pidOf(node));
      const probe = new LatencyProbe(node, neighbour);
      const attackers: FrameClient[] = [];
      const startedAt = Date.now();
      let written: number[] = [];
      let codes: number[] = [];
      let floodedAt = 0;
      let goneAt = 0;
      try {
        for (let i = 0; i < ATTACKERS; i++) attackers.push((await FrameClient.open(node.port)).client);
        written = await Promise.all(
          attackers.map((a) => {
            // The message starts with a one-byte text fragment; the continuations follow.
            a.socket.write(frame(1, 'x', { ...KEY, fin: false }));
            return pump(a.socket, BLOCK, MAX_BYTES, startedAt + FLOOD_DEADLINE_MS);
          }),
        );
        floodedAt = Date.now();
        codes = await Promise.all(attackers.map((a) => closeFrame(a)));
        for (const a of attackers) a.socket.destroy();
        goneAt = Date.now();
        await sleep(3000);
      } finally {
        for (const a of attackers) a.socket.destroy();
        await probe.stop();
        neighbour.ws.terminate();
        memory.stop();
        memory.report(`${transport}: ${ATTACKERS} sockets of one-byte fragments`);
      }
      const sent = written.reduce((a, b) => a + b, 0);
      const during = probe.slowestSince(startedAt, goneAt);
      const afterwards = probe.slowestSince(goneAt);
      console.log(
        `${transport}: ${(sent / MIB).toFixed(0)} MiB sent in ${floodedAt - startedAt} ms, ` +
          `${Math.round(sent / UNIT.length)} fragments; close codes ${codes.join(', ')}; ` +
          `slowest neighbour ping or /health: ${during} ms during, ${afterwards} ms after`,
      );
      assert.deepEqual(codes, new Array(ATTACKERS).fill(1009));
      assert.equal(probe.failed, 0, 'a neighbour ping or /health went unanswered');
      assert.ok(during < LATENCY_BOUND_MS, `slowest neighbour answer during the flood ${during} ms`);
      assert.ok(afterwards < LATENCY_BOUND_MS, `slowest neighbour answer after the flood ${afterwards} ms`);
      // Reading a gigabyte at full speed costs about 50 MiB by itself, fragments or not: read buffers
      // waiting for the garbage collector, and freed ones the allocator keeps. Pinned reads cost 1 GiB.
      memory.assertPeakGrowthBelow(128);
      const kept = (memory.after - memory.before) / MIB;
      assert.ok(kept < 96, `RSS still ${kept.toFixed(1)} MiB above where it started`);
    });
  });
}
