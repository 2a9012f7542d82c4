/**
 * Delta compression with the official JS SDK, in its JSON and its Protobuf build: a subscription
 * with `delta: "fossil"` receives every publication decoded to the data published, most of them
 * as deltas (the SDK's own counters say how many), and after a server-side reconnect recovers the
 * missed ones as a delta chain, then goes on with deltas.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Centrifuge as JsonCentrifuge, type PublicationContext } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';
import { startTestNode, type TestNode } from '../harness/node.js';
import { waitFor } from '../harness/wait.js';

const namespaces = [
  {
    name: 'doc',
    history_size: 100,
    history_ttl: '300s',
    force_recovery: true,
    allowed_delta_types: ['fossil'],
    delta_publish: true,
  },
];

/** A ~2 KB JSON document whose `counter` field changes. */
function doc(counter: number): Record<string, unknown> {
  return { counter, items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item number ${i}` })) };
}

interface DeltaStats {
  numPublications: number;
  numDeltaPayloads: number;
}

for (const build of ['json', 'protobuf'] as const)
  describe(`JS SDK delta compression (${build})`, () => {
    let node: TestNode;
    before(async () => {
      node = await startTestNode({ channel: { namespaces } });
    });
    after(async () => {
      await node.stop();
    });

    /** The data as the app sees it: a value in JSON, bytes (JSON text) in Protobuf. */
    function value(ctx: PublicationContext): unknown {
      return build === 'json' ? ctx.data : JSON.parse(Buffer.from(ctx.data as Uint8Array).toString());
    }

    it('delivers every publication decoded, as deltas, and recovers a missed run as a chain', async () => {
      const Client = build === 'json' ? JsonCentrifuge : ProtobufCentrifuge;
      const client = new Client(node.wsUrl, {
        websocket: WebSocket,
        token: await node.token('u1'),
        minReconnectDelay: 1500,
        maxReconnectDelay: 2000,
      });
      const channel = `doc:${build}`;
      const sub = client.newSubscription(channel, { delta: 'fossil' });
      const got: unknown[] = [];
      const subscribed: { recovered: boolean }[] = [];
      sub.on('publication', (ctx) => got.push(value(ctx)));
      sub.on('subscribed', (ctx) => subscribed.push({ recovered: ctx.recovered }));
      sub.subscribe();
      client.connect();
      try {
        await sub.ready(5000);
        for (let i = 1; i <= 5; i++) await node.api('publish', { channel, data: doc(i) });
        await waitFor(() => got.length === 5, 'five publications', 10_000);
        // A server disconnect with a reconnect code; publications meanwhile are recovered.
        await node.api('disconnect', { user: 'u1', disconnect: { code: 3100, reason: 'reconnect' } });
        await waitFor(() => client.state !== 'connected', 'disconnected');
        for (let i = 6; i <= 8; i++) await node.api('publish', { channel, data: doc(i) });
        await waitFor(() => subscribed.length === 2, 'subscribed again', 10_000);
        await node.api('publish', { channel, data: doc(9) });
        await waitFor(() => got.length === 9, 'nine publications', 10_000);
        assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8, 9].map(doc));
        assert.equal(subscribed[1]!.recovered, true);
        const stats = (sub as unknown as { deltaStats(): DeltaStats }).deltaStats();
        assert.equal(stats.numPublications, 9);
        // In full: the first after the first subscribe and the first recovered one.
        assert.equal(stats.numDeltaPayloads, 7, JSON.stringify(stats));
      } finally {
        client.disconnect();
      }
    });
  });
