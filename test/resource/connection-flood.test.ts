/**
 * A connection flood against a node in its own process with `client.connection_limit: 200`: 1,000
 * WebSockets opened at once. The node keeps exactly the limit, refuses the rest with 3504, keeps
 * delivering to its existing clients, stays within a memory bound, and takes new clients once the
 * flood is gone.
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
import { flood, MemoryWatch, pidOf } from './helpers.js';

const LIMIT = 200;
const EXISTING = 20;
const FLOOD = 1000;

/** A raw client, connected and subscribed to `feed`. */
async function subscriber(node: NodeProcess, user: string): Promise<RawClient> {
  const c = await rawConnect(node.wsUrl);
  assert.equal(errorCode(await c.call(1, 'connect', { token: await token(user) })), undefined);
  assert.equal(errorCode(await c.call(2, 'subscribe', { channel: 'feed' })), undefined);
  return c;
}

/** The `i` of every `feed` publication a raw client received. */
function feedIndexes(c: RawClient): number[] {
  return c.received
    .map((m) => (m['push'] as { pub?: { data?: { i?: number } } } | undefined)?.pub?.data?.i)
    .filter((i): i is number => typeof i === 'number');
}

describe('resource: connection flood', () => {
  let node: NodeProcess;
  before(async () => {
    node = await startNodeProcess('flood', {
      client: {
        connection_limit: LIMIT,
        // Flood sockets that got in must not turn stale while the flood is counted.
        stale_close_delay: '60s',
        subscribe_to_user_personal_channel: { enabled: false },
      },
    });
  });
  after(() => node.stop());

  it(`${FLOOD} sockets against a limit of ${LIMIT}: the limit holds, existing clients are served`, async () => {
    const existing = await Promise.all(Array.from({ length: EXISTING }, (_, i) => subscriber(node, `e${i}`)));
    const memory = new MemoryWatch(pidOf(node));
    let published = 0;
    let publishing = true;
    let slowestPublish = 0;
    // Publications go out all through the flood; every existing client must get every one.
    const publisher = (async () => {
      while (publishing) {
        const sentAt = Date.now();
        const res = await node.api('publish', { channel: 'feed', data: { i: published } });
        slowestPublish = Math.max(slowestPublish, Date.now() - sentAt);
        assert.equal(res.status, 200);
        published++;
        await sleep(20);
      }
    })();
    // An existing client's command round trips measure how responsive the node stays to it.
    let slowestPing = 0;
    let stopFlood = async (): Promise<void> => {};
    const pinger = (async () => {
      for (let id = 10; publishing; id++) {
        const sentAt = Date.now();
        assert.equal(errorCode(await existing[0]!.call(id, 'ping', {})), undefined);
        slowestPing = Math.max(slowestPing, Date.now() - sentAt);
        await sleep(20);
      }
    })();
    try {
      const attack = await flood(node.wsUrl, FLOOD);
      stopFlood = attack.stop;
      const { summary } = attack;
      console.log(
        `flood of ${FLOOD} settled in ${summary.ms} ms: ${summary.open} open, ${JSON.stringify(summary.outcomes)}`,
      );
      assert.equal(summary.open, LIMIT - EXISTING);
      assert.deepEqual(summary.outcomes, { 'close 3504': FLOOD - (LIMIT - EXISTING) });
      // Still full: one more is refused.
      const extra = await rawConnect(node.wsUrl);
      assert.equal(await closeCode(extra), 3504);
      publishing = false;
      await Promise.all([publisher, pinger]);
      const target = published;
      await waitFor(
        () => existing.every((c) => feedIndexes(c).length === target),
        'every publication delivered',
      );
      for (const c of existing) {
        assert.deepEqual(
          feedIndexes(c),
          Array.from({ length: target }, (_, i) => i),
        );
        assert.equal(c.ws.readyState, c.ws.OPEN);
      }
      console.log(
        `${target} publications delivered to each of ${EXISTING} existing clients during the flood; slowest publish call ${slowestPublish} ms, slowest ping round trip ${slowestPing} ms`,
      );
    } finally {
      publishing = false;
      await Promise.all([publisher.catch(() => {}), pinger.catch(() => {})]);
      await stopFlood();
      memory.stop();
      memory.report(`connection flood (${FLOOD} sockets, limit ${LIMIT})`);
    }
    memory.assertPeakGrowthBelow(96);
    // Loose: an existing client's command is answered within 2 s however hard the node is flooded.
    assert.ok(slowestPing < 2000, `slowest ping round trip ${slowestPing} ms`);
    // The flood's places are freed: new clients connect and are served.
    await waitFor(() => false, 'never', 0).catch(() => {});
    const fresh = await retrySubscriber(node, 'fresh');
    const res = await node.api('publish', { channel: 'feed', data: { i: -1 } });
    assert.equal(res.status, 200);
    await waitFor(() => feedIndexes(fresh).includes(-1), 'the new client receives');
    for (const c of [...existing, fresh]) c.ws.terminate();
  });
});

/** Connects a subscriber, retrying while the node still counts the flood's sockets. */
async function retrySubscriber(node: NodeProcess, user: string): Promise<RawClient> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await subscriber(node, user);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}
