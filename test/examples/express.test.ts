import { after, before, describe, it } from 'node:test';
import { startTestNode, TEST_API_KEY, type TestNode } from '../harness/node.js';
import { assertOrderDelivered } from './orders.js';
import { type RunningExample, startExample } from './run-example.js';

describe('examples/express', () => {
  let node: TestNode;
  let example: RunningExample;

  before(async () => {
    node = await startTestNode({
      channel: { namespaces: [{ name: 'shop', history_size: 100, history_ttl: '300s' }] },
    });
    example = await startExample('examples/express/main.ts', {
      SWITCHBOARD_URL: node.baseUrl,
      SWITCHBOARD_API_KEY: TEST_API_KEY,
      ORDERS_CHANNEL: 'shop:orders',
    });
  });
  after(async () => {
    await example?.stop();
    await node?.stop();
  });

  it('POST /orders publishes an order.created event that a subscribed client receives', async () => {
    await assertOrderDelivered(node, example, 'shop:orders');
  });
});
