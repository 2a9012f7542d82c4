/**
 * Clients that send commands as fast as they can, against a node in its own process with the default
 * `client.command_rate_limit` (100 per second): one publishing into a namespace that allows client
 * publish, one sending `ping`, one that floods and never reads. The rate limit holds (error 111, the
 * connection stays), the one that never reads is dropped as slow (3008, seen as 1006), every control publication
 * reaches the other clients within a loose bound (5 s), and memory stays bounded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  closeCode,
  errorCode,
  type NodeProcess,
  type RawClient,
  rawConnect,
  sleep,
  startNodeProcess,
  token,
  waitFor,
} from '../harness/index.js';
import { cpuSecondsOf, MemoryWatch, pidOf } from './helpers.js';

const RATE = 100;
const FLOOD_MS = 4000;
const BATCH = 50;
const WINDOW = 2000;
const VICTIMS = 5;
/** Loose: the node itself uses well under a core here; the rest is the machine scheduling four processes. */
const DELIVERY_BOUND_MS = 5000;

interface Tally {
  ok: number;
  limited: number;
  other: number;
}

const answered = (t: Tally): number => t.ok + t.limited + t.other;

/**
 * Sends frames of BATCH commands made by `command` for FLOOD_MS, as fast as the node answers them
 * (at most WINDOW unanswered), or, without a tally, as fast as the socket takes them.
 */
async function floodCommands(c: RawClient, command: Record<string, unknown>, tally?: Tally): Promise<number> {
  // One frame, sent again and again: ids repeat, which the node does not mind, and the test spends
  // its time reading replies rather than building commands.
  const frame = Array.from({ length: BATCH }, (_, i) => JSON.stringify({ id: 100 + i, ...command })).join(
    '\n',
  );
  let sent = 0;
  const until = Date.now() + FLOOD_MS;
  while (Date.now() < until && c.ws.readyState === c.ws.OPEN) {
    const room = tally === undefined ? c.ws.bufferedAmount < 256 * 1024 : sent - answered(tally) < WINDOW;
    if (room) {
      c.send(frame);
      sent += BATCH;
    }
    await new Promise((r) => setImmediate(r));
  }
  return sent;
}

/** Replies a flooding client got, by outcome; its received list is emptied as it goes. */
function tally(c: RawClient, into: Tally): void {
  c.ws.on('message', () => {
    for (const m of c.received) {
      if (typeof m['id'] !== 'number' || m['id'] < 100) continue;
      const code = errorCode(m);
      if (code === undefined) into.ok++;
      else if (code === 111) into.limited++;
      else into.other++;
    }
    c.received.length = 0;
  });
}

async function connectAs(node: NodeProcess, user: string): Promise<RawClient> {
  const c = await rawConnect(node.wsUrl);
  assert.equal(errorCode(await c.call(1, 'connect', { token: await token(user) })), undefined);
  return c;
}

describe('resource: command flood', () => {
  let node: NodeProcess;
  before(async () => {
    node = await startNodeProcess('commands', {
      client: { subscribe_to_user_personal_channel: { enabled: false } },
      channel: { namespaces: [{ name: 'chat', allow_publish_for_client: true }] },
    });
  });
  after(() => node.stop());

  it('publish and ping floods are held to the rate limit, a flood that never reads is dropped, others are served within a loose bound', async () => {
    const victims = await Promise.all(
      Array.from({ length: VICTIMS }, (_, i) => connectAs(node, `victim${i}`)),
    );
    const latencies: number[] = [];
    const chatSeen = new Array<number>(VICTIMS).fill(0);
    for (const [v, c] of victims.entries()) {
      assert.equal(errorCode(await c.call(2, 'subscribe', { channel: 'control' })), undefined);
      assert.equal(errorCode(await c.call(3, 'subscribe', { channel: 'chat:room' })), undefined);
      c.ws.on('message', (data) => {
        for (const line of data.toString().split('\n')) {
          if (line === '') continue;
          const pub = (JSON.parse(line) as { push?: { channel: string; pub: { data: { sentAt?: number } } } })
            .push;
          if (pub?.channel === 'control') latencies.push(Date.now() - pub.pub.data.sentAt!);
          if (pub?.channel === 'chat:room') chatSeen[v]!++;
        }
        c.received.length = 0;
      });
    }
    const publisher = await connectAs(node, 'publisher');
    const pinger = await connectAs(node, 'pinger');
    const silent = await connectAs(node, 'silent');
    const published: Tally = { ok: 0, limited: 0, other: 0 };
    const pinged: Tally = { ok: 0, limited: 0, other: 0 };
    tally(publisher, published);
    tally(pinger, pinged);
    silent.ws.pause();

    const memory = new MemoryWatch(pidOf(node));
    let controlling = true;
    let controls = 0;
    const control = (async () => {
      while (controlling) {
        const res = await node.api('publish', { channel: 'control', data: { sentAt: Date.now() } });
        assert.equal(res.status, 200);
        controls++;
        await sleep(100);
      }
    })();
    const cpuBefore = cpuSecondsOf(pidOf(node));
    const startedAt = Date.now();
    let sent: number[] = [];
    try {
      sent = await Promise.all([
        floodCommands(
          publisher,
          { publish: { channel: 'chat:room', data: { x: 'y'.repeat(100) } } },
          published,
        ),
        floodCommands(pinger, { ping: {} }, pinged),
        floodCommands(silent, { ping: {} }),
      ]);
      const seconds = (Date.now() - startedAt) / 1000;
      const cpu = cpuSecondsOf(pidOf(node)) - cpuBefore;
      controlling = false;
      await control;
      await waitFor(
        () => latencies.length === controls * VICTIMS,
        'every control publication delivered',
        10_000,
      );
      await waitFor(
        () => published.ok + published.limited + published.other === sent[0],
        `a reply to every publish: sent ${sent[0]}, ${JSON.stringify(published)}, state ${publisher.ws.readyState}`,
        10_000,
      );
      await waitFor(
        () => pinged.ok + pinged.limited + pinged.other === sent[1],
        `a reply to every ping: sent ${sent[1]}, ${JSON.stringify(pinged)}, state ${pinger.ws.readyState}`,
        10_000,
      );
      console.log(
        `in ${seconds.toFixed(1)} s: publisher sent ${sent[0]} (${published.ok} ok, ${published.limited} got 111), ` +
          `pinger sent ${pinged.ok + pinged.limited} (${pinged.ok} ok, ${pinged.limited} got 111), ` +
          `silent sent ${sent[2]}; node CPU ${cpu.toFixed(2)} s; ${controls} control publications, slowest delivery ${Math.max(...latencies)} ms`,
      );
      // A bucket of RATE refilled at RATE per second; a second of slack for clock edges.
      const allowed = RATE + RATE * (seconds + 1);
      for (const [what, t] of [
        ['publish', published],
        ['ping', pinged],
      ] as const) {
        assert.equal(t.other, 0, `${what}: unexpected errors`);
        assert.ok(t.ok <= allowed, `${what}: ${t.ok} passed, more than ${allowed}`);
        assert.ok(t.limited > 0, `${what}: nothing was limited`);
      }
      // Every publish that passed, and only those, reached the subscribers.
      await waitFor(() => chatSeen.every((n) => n === published.ok), 'accepted publications delivered');
      assert.ok(
        Math.max(...latencies) < DELIVERY_BOUND_MS,
        `slowest control delivery ${Math.max(...latencies)} ms`,
      );
      // The client that never reads is dropped as slow (3008) once its replies pile up: the socket is
      // cut without a close handshake, so the client sees 1006.
      silent.ws.resume();
      assert.equal(await closeCode(silent, 15_000), 1006);
      assert.equal(publisher.ws.readyState, publisher.ws.OPEN);
      assert.equal(pinger.ws.readyState, pinger.ws.OPEN);
      // The throttled clients are still connected and, after a second, served again.
      await sleep(1100);
      assert.equal(errorCode(await publisher.call(2, 'ping', {})), undefined);
      assert.equal(errorCode(await pinger.call(2, 'ping', {})), undefined);
    } finally {
      controlling = false;
      await control.catch(() => {});
      for (const c of [...victims, publisher, pinger, silent]) c.ws.terminate();
      memory.stop();
      memory.report('command flood (publish, ping, never-reading)');
    }
    memory.assertPeakGrowthBelow(128);
  });
});
