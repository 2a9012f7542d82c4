/**
 * A client that subscribes to thousands of channels, against a node in its own process: the channel
 * limit per connection holds (error 106, the connection stays), the node's channel table returns to
 * its size once the attacker leaves, memory stays bounded and a neighbour is served throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  errorCode,
  type NodeProcess,
  type RawClient,
  rawConnect,
  sleep,
  startNodeProcess,
  token,
  waitFor,
} from '../harness/index.js';
import { MemoryWatch, pidOf } from './helpers.js';

const CHANNEL_LIMIT = 128;
const ATTEMPTS = 5000;
const ATTACKERS = 10;
const BATCH = 250;

/** Sends `subscribe` for `channels` in frames of BATCH commands; resolves with every reply's error code. */
async function subscribeAll(
  c: RawClient,
  channels: string[],
  firstId: number,
): Promise<(number | undefined)[]> {
  const codes: (number | undefined)[] = [];
  for (let at = 0; at < channels.length; at += BATCH) {
    const ids = channels.slice(at, at + BATCH).map((_, i) => firstId + at + i);
    c.send(ids.map((id, i) => JSON.stringify({ id, subscribe: { channel: channels[at + i] } })).join('\n'));
    const last = ids[ids.length - 1];
    await waitFor(() => c.received.some((m) => m['id'] === last), `reply to #${last}`, 10_000);
    for (const id of ids) codes.push(errorCode(c.received.find((m) => m['id'] === id)!));
    c.received.length = 0;
  }
  return codes;
}

describe('resource: channel flood', () => {
  let node: NodeProcess;
  before(async () => {
    node = await startNodeProcess('channels', {
      client: {
        channel_limit: CHANNEL_LIMIT,
        // The rate limit is another defence; off here so the channel limit alone is under test.
        command_rate_limit: 0,
        subscribe_to_user_personal_channel: { enabled: false },
      },
    });
  });
  after(() => node.stop());

  it(`${ATTACKERS} clients subscribing to ${ATTEMPTS} channels each: ${CHANNEL_LIMIT} each, the rest get 106`, async () => {
    const info = async (): Promise<{ num_channels: number; num_subs: number }> => {
      const res = await node.api('info');
      const nodes = (res.body['result'] as { nodes: { num_channels: number; num_subs: number }[] }).nodes;
      return nodes[0]!;
    };
    const neighbour = await rawConnect(node.wsUrl);
    assert.equal(
      errorCode(await neighbour.call(1, 'connect', { token: await token('neighbour') })),
      undefined,
    );
    assert.equal(errorCode(await neighbour.call(2, 'subscribe', { channel: 'news' })), undefined);
    const baseline = await info();
    const memory = new MemoryWatch(pidOf(node));
    const attackers: RawClient[] = [];
    try {
      for (let a = 0; a < ATTACKERS; a++) {
        const c = await rawConnect(node.wsUrl);
        assert.equal(
          errorCode(await c.call(1, 'connect', { token: await token(`attacker${a}`) })),
          undefined,
        );
        attackers.push(c);
      }
      const results = await Promise.all(
        attackers.map((c, a) =>
          subscribeAll(
            c,
            Array.from({ length: ATTEMPTS }, (_, i) => `flood-${a}-${i}-${'x'.repeat(200)}`),
            10,
          ),
        ),
      );
      for (const codes of results) {
        assert.equal(codes.filter((code) => code === undefined).length, CHANNEL_LIMIT);
        assert.equal(codes.filter((code) => code === 106).length, ATTEMPTS - CHANNEL_LIMIT);
      }
      assert.ok(
        attackers.every((c) => c.ws.readyState === c.ws.OPEN),
        'attackers stay connected',
      );
      const during = await info();
      assert.equal(during.num_subs - baseline.num_subs, ATTACKERS * CHANNEL_LIMIT);
      const res = await node.api('publish', { channel: 'news', data: { n: 1 } });
      assert.equal(res.status, 200);
      await waitFor(() => neighbour.received.some((m) => m['push'] !== undefined), 'the neighbour receives');
      console.log(
        `${ATTACKERS} x ${ATTEMPTS} subscribes: ${during.num_subs - baseline.num_subs} subscriptions held ` +
          `(${CHANNEL_LIMIT} each), every other reply 106`,
      );
    } finally {
      for (const c of attackers) c.close();
      memory.stop();
      memory.report(`channel flood (${ATTACKERS} x ${ATTEMPTS} subscribes)`);
    }
    memory.assertPeakGrowthBelow(96);
    // Everything the attackers held is released.
    const deadline = Date.now() + 5000;
    let now = await info();
    while (
      (now.num_channels !== baseline.num_channels || now.num_subs !== baseline.num_subs) &&
      Date.now() < deadline
    ) {
      await sleep(50);
      now = await info();
    }
    assert.deepEqual(
      { num_channels: now.num_channels, num_subs: now.num_subs },
      { num_channels: baseline.num_channels, num_subs: baseline.num_subs },
    );
    neighbour.close();
  });
});
