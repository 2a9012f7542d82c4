import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SubscribedContext } from 'centrifuge';
import { collect, connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';

const chat = { name: 'chat', history_size: 100, history_ttl: '300s', force_recovery: true };

describe('recovery with the centrifuge SDK', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({
      channel: { namespaces: [chat] },
      client: { recovery_max_publication_limit: 60 },
    });
  });
  after(() => node.stop());

  async function subscribed(user: string, channel: string) {
    const client = newClient(node.wsUrl, { token: await node.token(user) });
    const sub = client.newSubscription(channel);
    const got = collect(sub);
    const events: SubscribedContext[] = [];
    sub.on('subscribed', (ctx) => events.push(ctx));
    sub.subscribe();
    client.connect();
    await sub.ready(3000);
    return { client, sub, got, events };
  }

  const values = (got: { data: unknown }[]) => got.map((p) => (p.data as { n: number }).n);

  it('recovers 50 publications missed while disconnected, exactly once and in order', async () => {
    const { client, got, events } = await subscribed('u1', 'chat:r1');
    await node.api('publish', { channel: 'chat:r1', data: { n: 0 } });
    await waitFor(() => got.length === 1, 'first publication');
    client.disconnect();
    for (let n = 1; n <= 50; n++) {
      const res = await node.api('publish', { channel: 'chat:r1', data: { n } });
      assert.equal((res.body['result'] as { offset: number }).offset, n + 1);
    }
    client.connect();
    await waitFor(() => got.length === 51, '50 recovered publications');
    await node.api('publish', { channel: 'chat:r1', data: { n: 51 } });
    await waitFor(() => got.length === 52, 'live publication after recovery');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(values(got), [...Array(52).keys()]);
    assert.deepEqual(
      got.map((p) => p.offset),
      [...Array(52).keys()].map((n) => n + 1),
    );
    const last = events.at(-1)!;
    assert.equal(last.wasRecovering, true);
    assert.equal(last.recovered, true);
    client.disconnect();
  });

  it('recovers after the server drops the connection with a reconnect code', async () => {
    const { client, got, events } = await subscribed('u2', 'chat:r2');
    let disconnects = 0;
    client.on('connecting', (ctx) => {
      if (ctx.code === 3100) disconnects++;
    });
    await node.api('disconnect', { user: 'u2', disconnect: { code: 3100, reason: 'test' } });
    await waitFor(() => disconnects === 1, 'server disconnect');
    for (let n = 0; n < 10; n++) await node.api('publish', { channel: 'chat:r2', data: { n } });
    await waitFor(() => got.length === 10, 'recovered publications');
    assert.deepEqual(values(got), [...Array(10).keys()]);
    assert.equal(events.at(-1)!.recovered, true);
    client.disconnect();
  });

  it('says recovered:false when the gap is larger than the recovery limit', async () => {
    const { client, got, events } = await subscribed('u3', 'chat:r3');
    client.disconnect();
    for (let n = 0; n < 70; n++) await node.api('publish', { channel: 'chat:r3', data: { n } });
    client.connect();
    await waitFor(() => events.length === 2, 'resubscribe');
    assert.equal(events[1]!.wasRecovering, true);
    assert.equal(events[1]!.recovered, false);
    assert.equal(got.length, 0);
    await node.api('publish', { channel: 'chat:r3', data: { n: 70 } });
    await waitFor(() => got.length === 1, 'live publication');
    assert.equal(got[0]!.offset, 71);
    client.disconnect();
  });

  it('recovers server-side subscriptions (personal channel) on reconnect', async () => {
    const node2 = await startTestNode({
      channel: { without_namespace: { history_size: 100, history_ttl: '300s', force_recovery: true } },
    });
    try {
      const client = newClient(node2.wsUrl, { token: await node2.token('99') });
      const got: { data: unknown; offset?: number }[] = [];
      client.on('publication', (ctx) => {
        if (ctx.channel === '#99') got.push(ctx);
      });
      client.connect();
      await connected(client);
      await node2.api('publish', { channel: '#99', data: { n: 0 } });
      await waitFor(() => got.length === 1, 'personal publication');
      client.disconnect();
      for (let n = 1; n <= 20; n++) await node2.api('publish', { channel: '#99', data: { n } });
      client.connect();
      await waitFor(() => got.length === 21, 'recovered personal publications');
      assert.deepEqual(values(got), [...Array(21).keys()]);
      client.disconnect();
    } finally {
      await node2.stop();
    }
  });

  it('never delivers a publication twice while many race with the subscribe', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('u4') });
    client.connect();
    await connected(client);
    const sub = client.newSubscription('chat:race');
    const got = collect(sub);
    const publishing = (async () => {
      for (let n = 0; n < 200; n++) await node.api('publish', { channel: 'chat:race', data: { n } });
    })();
    await new Promise((r) => setTimeout(r, 20));
    sub.subscribe();
    await sub.ready(3000);
    sub.unsubscribe();
    sub.subscribe();
    await publishing;
    await node.api('publish', { channel: 'chat:race', data: { n: 200 } });
    await waitFor(() => got.at(-1)?.offset === 201, 'last publication');
    const offsets = got.map((p) => p.offset!);
    assert.equal(new Set(offsets).size, offsets.length, 'no duplicates');
    assert.deepEqual(
      offsets,
      [...offsets].sort((x, y) => x - y),
      'in order',
    );
    client.disconnect();
  });
});
