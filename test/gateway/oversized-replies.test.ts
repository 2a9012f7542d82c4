/**
 * Replies that would not fit a connection's outbound queue (`client.queue_max_size`) over raw sockets: a
 * recovery too large is answered `recovered: false` and the subscription then gets live publications; a
 * history or presence reply too large is an error 106. In each case the connection stays open, where it
 * used to be dropped as slow (seen as 1006) on every attempt.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { errorCode, type RawClient, rawConnect } from '../harness/raw-client.js';
import { callOrClose, isOpen, payload, publishMany, pushesOn, replyOf } from './oversized-helpers.js';

const KB10 = 10 * 1024;
const feed = {
  name: 'feed',
  history_size: 300,
  history_ttl: '300s',
  force_recovery: true,
  allow_history_for_client: true,
};
const room = { name: 'room', presence: true, allow_presence_for_client: true };

interface SubResult {
  recovered?: boolean;
  was_recovering?: boolean;
  epoch?: string;
  offset?: number;
  publications?: unknown[];
}

describe('oversized replies', () => {
  let node: TestNode;
  const clients: RawClient[] = [];
  before(async () => {
    node = await startTestNode({
      channel: { namespaces: [feed, room] },
      client: { subscribe_to_user_personal_channel: { enabled: false } },
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
  });
  after(() => node.stop());

  async function connected(user: string, extra: Record<string, unknown> = {}, claims = {}) {
    const c = await rawConnect(node.wsUrl);
    clients.push(c);
    const outcome = await callOrClose(c, 1, 'connect', { token: await node.token(user, claims), ...extra });
    return { c, reply: replyOf(outcome, 'connect') };
  }

  /** Subscribes, notes the position, and disconnects: what a client has before it goes away. */
  async function positionOf(channel: string): Promise<SubResult> {
    const { c } = await connected('early');
    const sub = replyOf(await callOrClose(c, 2, 'subscribe', { channel }), 'subscribe');
    c.ws.terminate();
    return sub['subscribe'] as SubResult;
  }

  it('a recovery larger than the queue budget answers recovered:false, then live publications flow', async () => {
    const channel = 'feed:big';
    const before = await positionOf(channel);
    await publishMany(node, channel, 120, KB10); // 1.2 MB missed, more than the 1 MiB queue
    const { c } = await connected('late');
    const outcome = await callOrClose(c, 2, 'subscribe', {
      channel,
      recover: true,
      epoch: before.epoch,
      offset: before.offset,
    });
    const result = replyOf(outcome, 'recovering subscribe')['subscribe'] as SubResult;
    assert.equal(result.was_recovering, true);
    assert.equal(result.recovered, undefined, 'not recovered: left out, as Centrifugo does');
    assert.equal(result.publications, undefined);
    assert.equal(result.offset, 120);
    await node.api('publish', { channel, data: { n: 'live' } });
    await waitFor(() => pushesOn(c, channel).length === 1, 'the live publication');
    assert.deepEqual(pushesOn(c, channel), [{ n: 'live', offset: 121 }]);
    assert.ok(isOpen(c));
  });

  it('a recovery within the budget is still recovered in full', async () => {
    const channel = 'feed:fits';
    const before = await positionOf(channel);
    await publishMany(node, channel, 30, KB10); // 300 KB, below half of the queue
    const { c } = await connected('late');
    const reply = replyOf(
      await callOrClose(c, 2, 'subscribe', {
        channel,
        recover: true,
        epoch: before.epoch,
        offset: before.offset,
      }),
      'subscribe',
    );
    const result = reply['subscribe'] as SubResult;
    assert.equal(result.recovered, true);
    assert.equal(result.publications?.length, 30);
  });

  it('recovered:false with error 112 when the client asked to be refused an unrecovered position', async () => {
    const channel = 'feed:strict';
    const before = await positionOf(channel);
    await publishMany(node, channel, 120, KB10);
    const { c } = await connected('late');
    const params = { channel, recover: true, epoch: before.epoch, offset: before.offset, flag: 2 };
    const reply = replyOf(await callOrClose(c, 2, 'subscribe', params), 'subscribe');
    assert.equal(errorCode(reply), 112);
    assert.ok(isOpen(c));
  });

  it('connect: server-side recoveries share one budget; the ones beyond it are recovered:false', async () => {
    const channels = ['feed:s1', 'feed:s2', 'feed:s3'];
    const first = await connected('srv', {}, { channels });
    const positions = (first.reply['connect'] as { subs: Record<string, SubResult> }).subs;
    first.c.ws.terminate();
    // 400 KB each: one fits half of the 1 MiB queue, two do not; the three together exceed the queue.
    for (const channel of channels) await publishMany(node, channel, 40, KB10);
    const subs: Record<string, unknown> = {};
    for (const channel of channels) {
      subs[channel] = { recover: true, epoch: positions[channel]!.epoch, offset: positions[channel]!.offset };
    }
    const { c, reply } = await connected('srv', { subs }, { channels });
    const results = (reply['connect'] as { subs: Record<string, SubResult> }).subs;
    const recovered = channels.filter((ch) => results[ch]!.recovered === true);
    assert.equal(recovered.length, 1, JSON.stringify(channels.map((ch) => results[ch]!.recovered)));
    assert.equal(results[recovered[0]!]!.publications?.length, 40);
    for (const channel of channels) {
      assert.equal(results[channel]!.was_recovering, true);
      // The recovered one echoes the client's offset (0, left out); the others give the top.
      assert.equal(results[channel]!.offset, channel === recovered[0] ? undefined : 40);
      await node.api('publish', { channel, data: { n: 'live' } });
    }
    await waitFor(() => channels.every((ch) => pushesOn(c, ch).length === 1), 'live publications');
    for (const channel of channels) assert.deepEqual(pushesOn(c, channel), [{ n: 'live', offset: 41 }]);
  });

  it('history: a page larger than the budget gets error 106; a smaller page works', async () => {
    const channel = 'feed:history';
    await publishMany(node, channel, 120, KB10);
    const { c } = await connected('reader');
    const big = replyOf(await callOrClose(c, 2, 'history', { channel, limit: -1 }), 'history');
    assert.equal(errorCode(big), 106);
    const page = replyOf(await callOrClose(c, 3, 'history', { channel, limit: 10 }), 'history');
    assert.equal(errorCode(page), undefined);
    assert.equal((page['history'] as { publications: unknown[] }).publications.length, 10);
    assert.ok(isOpen(c));
  });

  it('presence: a reply larger than the budget gets error 106; presence_stats still answers', async () => {
    const small = await startTestNode({
      channel: { namespaces: [room] },
      client: { queue_max_size: 8192, subscribe_to_user_personal_channel: { enabled: false } },
    });
    const local: RawClient[] = [];
    try {
      const info = { bio: payload(0, 1000) };
      for (let i = 0; i < 16; i++) {
        const c = await rawConnect(small.wsUrl);
        local.push(c);
        replyOf(
          await callOrClose(c, 1, 'connect', { token: await small.token(`u${i}`, { info }) }),
          'connect',
        );
        replyOf(await callOrClose(c, 2, 'subscribe', { channel: 'room:p' }), 'subscribe');
      }
      const asker = local[0]!;
      const presence = replyOf(await callOrClose(asker, 3, 'presence', { channel: 'room:p' }), 'presence');
      assert.equal(errorCode(presence), 106);
      const stats = replyOf(await callOrClose(asker, 4, 'presence_stats', { channel: 'room:p' }), 'stats');
      assert.deepEqual(stats['presence_stats'], { num_clients: 16, num_users: 16 });
      assert.ok(isOpen(asker));
    } finally {
      for (const c of local) c.ws.terminate();
      await small.stop();
    }
  });
});
