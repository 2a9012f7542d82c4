/**
 * Tags filters with the official `centrifuge` SDK: `newSubscription(channel, { tagsFilter })` gets
 * only the publications whose server API `tags` match, a new filter set with `setTagsFilter` applies
 * from the next subscribe, a namespace without `allow_tags_filter` refuses it (107, and the SDK
 * gives up), and a
 * recovering subscription gets only the matching missed publications while its position moves past
 * all of them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext, UnsubscribedContext } from 'centrifuge';
import { collect, connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';

const BTC_ABOVE_50K = {
  op: 'and' as const,
  nodes: [
    { key: 'ticker', cmp: 'eq' as const, val: 'BTC' },
    { key: 'price', cmp: 'gte' as const, val: '50000' },
  ],
};

function numbers(got: PublicationContext[]): number[] {
  return got.map((p) => (p.data as { n: number }).n);
}

describe('tags filter with the centrifuge SDK', () => {
  let node: TestNode;
  const clients: Centrifuge[] = [];
  before(async () => {
    node = await startTestNode({
      channel: {
        namespaces: [
          {
            name: 'ticker',
            allow_tags_filter: true,
            history_size: 50,
            history_ttl: '300s',
            force_recovery: true,
          },
          { name: 'plain' },
        ],
      },
    });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await node.stop();
  });

  async function connect(user: string): Promise<Centrifuge> {
    const client = newClient(node.wsUrl, { token: await node.token(user) });
    clients.push(client);
    client.connect();
    await connected(client);
    return client;
  }

  async function publish(channel: string, n: number, tags: Record<string, string>): Promise<void> {
    const res = await node.api('publish', { channel, data: { n }, tags });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  it('delivers only matching publications, and a new filter from the next subscribe', async () => {
    const client = await connect('alice');
    const watcher = await connect('bob');
    const channel = 'ticker:live';
    const sub = client.newSubscription(channel, { tagsFilter: BTC_ABOVE_50K });
    const all = watcher.newSubscription(channel);
    const got = collect(sub);
    const seen = collect(all);
    sub.subscribe();
    all.subscribe();
    await Promise.all([sub.ready(3000), all.ready(3000)]);
    await publish(channel, 1, { ticker: 'BTC', price: '49999.99' });
    await publish(channel, 2, { ticker: 'BTC', price: '50000' });
    await publish(channel, 3, { ticker: 'ETH', price: '60000' });
    await publish(channel, 4, { ticker: 'BTC', price: '61000.5' });
    await waitFor(() => seen.length === 4, 'every publication to the unfiltered subscriber');
    await waitFor(() => got.length === 2, 'the matching publications');
    assert.deepEqual(numbers(got), [2, 4]);
    assert.deepEqual(got[0]!.tags, { ticker: 'BTC', price: '50000' });

    sub.unsubscribe();
    sub.setTagsFilter({ key: 'ticker', cmp: 'in', vals: ['ETH', 'SOL'] });
    sub.subscribe();
    await sub.ready(3000);
    await publish(channel, 5, { ticker: 'SOL', price: '150' });
    await publish(channel, 6, { ticker: 'BTC', price: '70000' });
    await waitFor(() => seen.length === 6, 'both new publications to the unfiltered subscriber');
    await waitFor(() => got.length === 3, 'the SOL publication');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(numbers(got), [2, 4, 5]);
  });

  it('reports 107 where the namespace does not allow tags filters', async () => {
    const client = await connect('carol');
    const sub = client.newSubscription('plain:x', { tagsFilter: { key: 'a', cmp: 'ex' } });
    const unsubscribed: UnsubscribedContext[] = [];
    sub.on('unsubscribed', (ctx) => unsubscribed.push(ctx));
    const ready = sub.ready(3000).then(
      () => assert.fail('subscribed'),
      (error: { code?: number }) => error,
    );
    sub.subscribe();
    // A refusal that is not temporary: the SDK gives up and reports the code, it does not retry.
    await waitFor(() => unsubscribed.length === 1, 'the subscription to give up');
    assert.equal(unsubscribed[0]!.code, 107);
    assert.equal(sub.state, 'unsubscribed');
    assert.ok(await ready);
  });

  it('recovers only the matching publications missed while away', async () => {
    const client = await connect('dave');
    const channel = 'ticker:recover';
    const sub = client.newSubscription(channel, { tagsFilter: { key: 'ticker', cmp: 'eq', val: 'BTC' } });
    const got = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    await publish(channel, 1, { ticker: 'BTC' });
    await waitFor(() => got.length === 1, 'the first publication');
    client.disconnect();
    await publish(channel, 2, { ticker: 'ETH' });
    await publish(channel, 3, { ticker: 'BTC' });
    await publish(channel, 4, { ticker: 'ETH' });
    const recovered: boolean[] = [];
    sub.on('subscribed', (ctx) => recovered.push(ctx.recovered));
    client.connect();
    await waitFor(() => recovered.length === 1, 'the resubscription');
    assert.equal(recovered[0], true);
    await waitFor(() => got.length === 2, 'the recovered publication');
    assert.deepEqual(numbers(got), [1, 3]);
    assert.equal(got[1]!.offset, 3);
    // The position went past the filtered-out 4: the next live one follows without a gap.
    await publish(channel, 5, { ticker: 'BTC' });
    await waitFor(() => got.length === 3, 'the next live publication');
    assert.deepEqual(numbers(got), [1, 3, 5]);
    assert.equal(sub.state, 'subscribed');
  });
});
