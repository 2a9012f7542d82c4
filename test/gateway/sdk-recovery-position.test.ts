/**
 * Stream recovery with the official `centrifuge` SDK where the position it sends is incomplete or
 * still moving: `getState` returning the position of an empty stream (the SDK leaves out epoch ''
 * and offset 0), a publication handler that fails midway through a recovery, and recovery granted
 * by history access alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SubscribedContext } from 'centrifuge';
import { collect, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';

const HISTORY = { history_size: 100, history_ttl: '300s' };

describe('SDK recovery from the position it holds', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({
      channel: {
        namespaces: [
          { name: 'rec', ...HISTORY, force_recovery: true },
          { name: 'readable', ...HISTORY, allow_history_for_subscriber: true },
        ],
      },
      client: { subscribe_to_user_personal_channel: { enabled: false } },
    });
  });
  after(() => node.stop());

  const values = (got: { data: unknown }[]) => got.map((p) => (p.data as { n: number }).n);

  async function publish(channel: string, from: number, to: number): Promise<void> {
    for (let n = from; n <= to; n++) await node.api('publish', { channel, data: { n } });
  }

  it('getState with the position of an empty stream recovers what followed, once', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('u1') });
    let calls = 0;
    const sub = client.newSubscription('rec:state', {
      // The app read the position before anything was published, then loaded its (empty) state.
      getState: async () => {
        calls++;
        await publish('rec:state', 1, 2);
        return { offset: 0, epoch: '' };
      },
    });
    const got = collect(sub);
    const events: SubscribedContext[] = [];
    sub.on('subscribed', (ctx) => events.push(ctx));
    sub.subscribe();
    client.connect();
    await waitFor(() => got.length === 2, 'the two publications made after the state was read');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(calls, 1, 'getState is not called again and again');
    assert.deepEqual(values(got), [1, 2]);
    assert.deepEqual([events.length, events[0]!.recovered], [1, true]);
    await publish('rec:state', 3, 3);
    await waitFor(() => got.length === 3, 'a live publication');
    client.disconnect();
  });

  it('a handler failing on a recovered publication gets it again on the next connect', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('u2') });
    const sub = client.newSubscription('rec:fail');
    const got: number[] = [];
    let failOn: number | null = null;
    sub.on('publication', (ctx) => {
      const n = (ctx.data as { n: number }).n;
      if (n === failOn) {
        failOn = null;
        throw new Error('the application failed on this publication');
      }
      got.push(n);
    });
    // The SDK also reports the exception as an unhandled rejection, which would fail this test.
    const internals = client as unknown as { _reportDispatchError: (err: unknown) => void };
    internals._reportDispatchError = () => {};
    try {
      sub.subscribe();
      client.connect();
      await sub.ready(3000);
      await publish('rec:fail', 1, 3);
      await waitFor(() => got.length === 3, 'three live publications');
      client.disconnect();
      await publish('rec:fail', 4, 5);
      failOn = 4;
      const stopped = new Promise((r) => client.once('disconnected', r));
      client.connect();
      await stopped; // the SDK stops the client on a handler's exception
      client.connect();
      await waitFor(() => got.length === 5, 'publications 4 and 5 recovered after the failure');
      assert.deepEqual(got, [1, 2, 3, 4, 5]);
    } finally {
      client.disconnect();
    }
  });

  it('a subscriber allowed to read history may ask for a recoverable subscription', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('u3') });
    const sub = client.newSubscription('readable:r', { recoverable: true });
    const got = collect(sub);
    const events: SubscribedContext[] = [];
    sub.on('subscribed', (ctx) => events.push(ctx));
    sub.subscribe();
    client.connect();
    await sub.ready(3000);
    assert.deepEqual([events[0]!.recoverable, events[0]!.positioned], [true, true]);
    await publish('readable:r', 1, 1);
    await waitFor(() => got.length === 1, 'a live publication');
    client.disconnect();
    await publish('readable:r', 2, 4);
    client.connect();
    await waitFor(() => got.length === 4, 'three recovered publications');
    assert.deepEqual(values(got), [1, 2, 3, 4]);
    assert.equal(events.at(-1)!.recovered, true);
    client.disconnect();
  });
});
