/** What both example tests check: `POST /orders` reaches a client subscribed to the orders channel. */
import assert from 'node:assert/strict';
import type { Centrifuge } from 'centrifuge';
import { collect, connected, newClient, type TestNode, waitFor } from '../harness/index.js';
import type { RunningExample } from './run-example.js';

export async function assertOrderDelivered(node: TestNode, example: RunningExample, channel: string) {
  const client: Centrifuge = newClient(node.wsUrl, { token: await node.token('shop-ui') });
  try {
    client.connect();
    await connected(client);
    const sub = client.newSubscription(channel);
    const got = collect(sub);
    sub.subscribe();
    await sub.ready(5000);

    const res = await fetch(`${example.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'coffee beans', quantity: 2 }),
    });
    const body = (await res.json()) as { order: { id: string }; position: { offset?: number } };
    assert.equal(res.status, 201, `${JSON.stringify(body)}\n${example.output()}`);
    assert.equal(body.position.offset, 1);

    await waitFor(() => got.length === 1, 'the order event');
    const event = got[0]!.data as { type: string; order: { id: string; item: string; quantity: number } };
    assert.equal(event.type, 'order.created');
    assert.equal(event.order.id, body.order.id);
    assert.equal(event.order.item, 'coffee beans');
    assert.equal(event.order.quantity, 2);

    const bad = await fetch(`${example.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: '', quantity: 0 }),
    });
    assert.equal(bad.status, 400);
  } finally {
    client.disconnect();
  }
}
