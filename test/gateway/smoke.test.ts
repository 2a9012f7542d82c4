import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect, connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';

describe('smoke', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('connects, subscribes, receives an API publish', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('42') });
    client.connect();
    await connected(client);
    const sub = client.newSubscription('news');
    const got = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    const res = await node.api('publish', { channel: 'news', data: { text: 'hello' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { result: {} });
    await waitFor(() => got.length === 1, 'publication');
    assert.deepEqual(got[0]!.data, { text: 'hello' });
    client.disconnect();
  });
});
