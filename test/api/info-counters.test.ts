import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RawClient, rawConnect, startTestNode, type TestNode, waitFor } from '../harness/index.js';

interface Counters {
  publications: number;
  deliveries: number;
}

describe('info: publication and delivery counters', () => {
  let node: TestNode;
  const clients: RawClient[] = [];
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    for (const c of clients) c.close();
    await node.stop();
  });

  const counters = async (): Promise<Counters> => {
    const res = await node.api('info');
    return (res.body['result'] as { nodes: { counters: Counters }[] }).nodes[0]!.counters;
  };

  it('count publications received once and each push queued to a subscriber', async () => {
    const before = await counters();
    for (let i = 0; i < 3; i++) {
      const raw = await rawConnect(node.wsUrl);
      clients.push(raw);
      await raw.call(1, 'connect', { token: await node.token(`c${i}`) });
      await raw.call(2, 'subscribe', { channel: 'counted' });
    }
    for (let i = 0; i < 2; i++) await node.api('publish', { channel: 'counted', data: { i } });
    // A channel nobody here subscribes to reaches no node: counted nowhere.
    await node.api('publish', { channel: 'nobody', data: {} });
    const pushes = () => clients.reduce((n, c) => n + c.received.filter((m) => 'push' in m).length, 0);
    await waitFor(() => pushes() === 6, 'six pushes');
    const now = await counters();
    assert.equal(now.publications - before.publications, 2);
    assert.equal(now.deliveries - before.deliveries, 6);
  });
});
