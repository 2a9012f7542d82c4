import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JoinContext, LeaveContext } from 'centrifuge';
import { collect, connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';

describe('channels with the centrifuge SDK', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({
      channel: {
        namespaces: [
          {
            name: 'room',
            presence: true,
            join_leave: true,
            force_push_join_leave: true,
            allow_presence_for_subscriber: true,
            allow_history_for_subscriber: true,
            allow_publish_for_subscriber: true,
            history_size: 20,
            history_ttl: '300s',
          },
        ],
      },
    });
  });
  after(() => node.stop());

  async function connect(user: string) {
    const client = newClient(node.wsUrl, { token: await node.token(user) });
    client.connect();
    await connected(client);
    return client;
  }

  it('delivers publications to every subscriber and not after unsubscribe', async () => {
    const a = await connect('a');
    const b = await connect('b');
    const subA = a.newSubscription('news');
    const subB = b.newSubscription('news');
    const gotA = collect(subA);
    const gotB = collect(subB);
    subA.subscribe();
    subB.subscribe();
    await Promise.all([subA.ready(3000), subB.ready(3000)]);
    for (let i = 0; i < 10; i++) await node.api('publish', { channel: 'news', data: { i } });
    await waitFor(() => gotA.length === 10 && gotB.length === 10, 'ten publications each');
    assert.deepEqual(
      gotA.map((p) => (p.data as { i: number }).i),
      [...Array(10).keys()],
    );
    subB.unsubscribe();
    await new Promise((r) => setTimeout(r, 50));
    await node.api('publish', { channel: 'news', data: { i: 10 } });
    await waitFor(() => gotA.length === 11, 'eleventh publication');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(gotB.length, 10);
    a.disconnect();
    b.disconnect();
  });

  it('publishes from a subscriber where the namespace allows it, with publisher info', async () => {
    const a = await connect('alice');
    const sub = a.newSubscription('room:pub');
    const got = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    await sub.publish({ text: 'mine' });
    await waitFor(() => got.length === 1, 'own publication');
    assert.deepEqual(got[0]!.data, { text: 'mine' });
    assert.equal(got[0]!.info?.user, 'alice');
    // Without allow_publish_* the channel refuses client publications with 103.
    const plain = a.newSubscription('plain');
    plain.subscribe();
    await plain.ready(3000);
    await assert.rejects(plain.publish({ x: 1 }), (e: { code: number }) => e.code === 103);
    a.disconnect();
  });

  it('keeps presence, sends join and leave', async () => {
    const a = await connect('alice');
    const b = await connect('bob');
    const subA = a.newSubscription('room:lobby');
    const joins: JoinContext[] = [];
    const leaves: LeaveContext[] = [];
    subA.on('join', (ctx) => joins.push(ctx));
    subA.on('leave', (ctx) => leaves.push(ctx));
    subA.subscribe();
    await subA.ready(3000);
    const subB = b.newSubscription('room:lobby');
    subB.subscribe();
    await subB.ready(3000);
    await waitFor(() => joins.some((j) => j.info.user === 'bob'), 'bob joins');

    const presence = await subA.presence();
    const users = Object.values(presence.clients)
      .map((c) => c.user)
      .sort();
    assert.deepEqual(users, ['alice', 'bob']);
    const stats = await subA.presenceStats();
    assert.deepEqual(stats, { numClients: 2, numUsers: 2 });

    b.disconnect();
    await waitFor(() => leaves.some((l) => l.info.user === 'bob'), 'bob leaves');
    const after = await subA.presenceStats();
    assert.deepEqual(after, { numClients: 1, numUsers: 1 });
    a.disconnect();
  });

  it('answers history with limit, since and reverse', async () => {
    const a = await connect('alice');
    const sub = a.newSubscription('room:hist');
    sub.subscribe();
    await sub.ready(3000);
    for (let i = 1; i <= 5; i++) await node.api('publish', { channel: 'room:hist', data: { i } });
    const all = await sub.history({ limit: -1 });
    assert.deepEqual(
      all.publications.map((p) => p.offset),
      [1, 2, 3, 4, 5],
    );
    const last2 = await sub.history({ limit: 2, reverse: true });
    assert.deepEqual(
      last2.publications.map((p) => (p.data as { i: number }).i),
      [5, 4],
    );
    const since = await sub.history({ limit: 10, since: { offset: 3, epoch: all.epoch } });
    assert.deepEqual(
      since.publications.map((p) => p.offset),
      [4, 5],
    );
    const top = await sub.history({ limit: 0 });
    assert.equal(top.offset, 5);
    assert.equal(top.publications.length, 0);
    await assert.rejects(
      sub.history({ limit: 10, since: { offset: 1, epoch: 'not-the-epoch' } }),
      (e: { code: number }) => e.code === 112,
    );
    a.disconnect();
  });
});
