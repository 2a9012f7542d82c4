/**
 * The official `centrifuge` SDK missing more than its connection's outbound queue holds (120 × 10 KB
 * against the default 1 MiB `client.queue_max_size`): it resubscribes once with `recovered: false` and then
 * gets live publications. The recovering subscribe reply used to drop the connection as slow on every
 * reconnect, so the SDK looped (about 95 reconnects in 30 s) and never received a message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SubscribedContext } from 'centrifuge';
import { collect, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { publishMany } from './oversized-helpers.js';

const feed = { name: 'feed', history_size: 300, history_ttl: '300s', force_recovery: true };

describe('recovery larger than the queue, with the centrifuge SDK', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({
      channel: { namespaces: [feed] },
      client: { subscribe_to_user_personal_channel: { enabled: false } },
    });
  });
  after(() => node.stop());

  it('subscribes with recovered:false once, then receives live publications instead of looping', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('sdk') });
    const sub = client.newSubscription('feed:sdk');
    const got = collect(sub);
    const events: SubscribedContext[] = [];
    sub.on('subscribed', (ctx) => events.push(ctx));
    let connects = 0;
    client.on('connected', () => connects++);
    sub.subscribe();
    client.connect();
    try {
      await sub.ready(3000);
      client.disconnect();
      await publishMany(node, 'feed:sdk', 120, 10 * 1024);
      const connectsBefore = connects;
      client.connect();
      try {
        await waitFor(() => events.length === 2, 'the resubscribe', 5000);
      } catch (error) {
        const loops = connects - connectsBefore;
        throw new Error(`${(error as Error).message}: ${loops} connects, ${got.length} publications`);
      }
      assert.equal(events[1]!.wasRecovering, true);
      assert.equal(events[1]!.recovered, false);
      assert.equal(got.length, 0, 'nothing recovered');

      await node.api('publish', { channel: 'feed:sdk', data: { n: 'live' } });
      await waitFor(() => got.length === 1, 'the live publication');
      assert.deepEqual(got[0]!.data, { n: 'live' });
      assert.equal(got[0]!.offset, 121);
      // No reconnect loop: one connect for the one connect() call, and it holds.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(connects - connectsBefore, 1);
      assert.equal(events.length, 2);
    } finally {
      client.disconnect();
    }
  });
});
