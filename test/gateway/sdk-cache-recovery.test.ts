/**
 * Cache recovery mode with the official `centrifuge` SDK: a channel as a live key-value cell. The
 * latest publication is the first event of a subscription that asks with `since: {}` (or of every
 * subscription with `auto_cache_recover`, server-side ones too), and of every resubscribe after the
 * value changed; a resubscribe that holds the latest value gets nothing again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PublicationContext, ServerPublicationContext, SubscribedContext } from 'centrifuge';
import { collect, connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';

const CELL = { history_size: 1, history_ttl: '300s', force_recovery: true, force_recovery_mode: 'cache' };

describe('SDK cache recovery', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({
      channel: {
        namespaces: [
          { name: 'kv', ...CELL },
          { name: 'auto', ...CELL, auto_cache_recover: true },
        ],
      },
      client: { subscribe_to_user_personal_channel: { enabled: false } },
    });
  });
  after(() => node.stop());

  const values = (got: { data: unknown }[]) => got.map((p) => (p.data as { n: number }).n);
  const settle = () => new Promise((r) => setTimeout(r, 200));

  async function publish(channel: string, from: number, to: number): Promise<void> {
    for (let n = from; n <= to; n++) await node.api('publish', { channel, data: { n } });
  }

  async function reconnect(client: ReturnType<typeof newClient>, events: unknown[]): Promise<void> {
    const before = events.length;
    client.disconnect();
    client.connect();
    await waitFor(() => events.length > before, 'the resubscribe');
  }

  it('since: {} gets the latest value first, then only a changed value on each resubscribe', async () => {
    await publish('kv:price', 1, 3);
    const client = newClient(node.wsUrl, { token: await node.token('u1') });
    const sub = client.newSubscription('kv:price', { since: {} });
    const got: PublicationContext[] = collect(sub);
    const events: SubscribedContext[] = [];
    sub.on('subscribed', (ctx) => events.push(ctx));
    sub.subscribe();
    client.connect();
    await waitFor(() => got.length === 1, 'the latest value');
    assert.deepEqual([values(got), events[0]!.wasRecovering, events[0]!.recovered], [[3], true, true]);
    client.disconnect();
    await publish('kv:price', 4, 6);
    client.connect();
    await waitFor(() => got.length === 2, 'the value that changed meanwhile');
    assert.deepEqual(values(got), [3, 6], 'only the latest of the three missed');
    await reconnect(client, events);
    await settle();
    assert.deepEqual(values(got), [3, 6], 'unchanged: nothing again');
    assert.equal(events.at(-1)!.recovered, true);
    await publish('kv:price', 7, 7);
    await waitFor(() => got.length === 3, 'a live value');
    client.disconnect();
  });

  it('auto_cache_recover: the latest value first without since, for every new subscription', async () => {
    await publish('auto:temp', 1, 2);
    const client = newClient(node.wsUrl, { token: await node.token('u2') });
    client.connect();
    await connected(client);
    for (const expected of [[2], [2]]) {
      const sub = client.newSubscription('auto:temp');
      const got = collect(sub);
      sub.subscribe();
      await waitFor(() => got.length === 1, 'the latest value');
      await settle();
      assert.deepEqual(values(got), expected);
      client.removeSubscription(sub);
    }
    client.disconnect();
  });

  it('auto_cache_recover: a server-side subscription gets the latest value at connect and after a change', async () => {
    await publish('auto:srv', 1, 2);
    const client = newClient(node.wsUrl, { token: await node.token('u3', { channels: ['auto:srv'] }) });
    const got: ServerPublicationContext[] = [];
    const events: unknown[] = [];
    client.on('publication', (ctx) => got.push(ctx));
    client.on('subscribed', (ctx) => events.push(ctx));
    client.connect();
    await waitFor(() => got.length === 1, 'the latest value at connect');
    assert.deepEqual(values(got), [2]);
    client.disconnect();
    await publish('auto:srv', 3, 4);
    client.connect();
    await waitFor(() => got.length === 2, 'the value that changed while away');
    await reconnect(client, events);
    await settle();
    assert.deepEqual(values(got), [2, 4]);
    client.disconnect();
  });
});
