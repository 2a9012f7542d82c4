/**
 * Fossil delta compression with an official SDK, run by `go-sdk.test.ts` and `python-sdk.test.ts`
 * in every protocol of {@link ENCODINGS} (both SDKs speak them all): a subscription asking delta "fossil" receives
 * a ~2 KB document whose counter changes, each publication decoded by the SDK to exactly the data
 * published, once and in order, most as deltas; after a server-API disconnect with a reconnect code
 * it recovers the missed ones as a delta chain and goes on with deltas. The same scenario as
 * `test/gateway/sdk-delta.test.ts` with the JS SDK.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setup, sleep, type TestNode, token } from '../harness/index.js';
import { type ClientEvent, ENCODINGS, type Sdk, startInteropClient } from './harness.js';

const doc = {
  name: 'doc',
  history_size: 100,
  history_ttl: '300s',
  force_recovery: true,
  allowed_delta_types: ['fossil'],
  delta_publish: true,
};
const NODE_CONFIG = { channel: { namespaces: [doc] } };

/** How long to wait before asserting that nothing more (a duplicate) arrived. */
const SETTLE_MS = 300;
/** A reconnect code of our own (3000-3499 reconnect); the server API passes it through. */
const CUSTOM_RECONNECT_CODE = 3100;
/** Publications made before the disconnect, while away (recovered), and after recovery. */
const LIVE = 5;
const MISSED = 3;
const TOTAL = LIVE + MISSED + 1;

/** Publication `n`: a ~2 KB JSON document of which only `counter` changes, so deltas are small. */
function document(n: number): Record<string, unknown> {
  return { counter: n, items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item number ${i}` })) };
}

/**
 * Which publications come in full: the first after the first subscribe (no base yet) and the
 * first recovered one (a recovered run is a chain starting in full); every other one is a delta.
 */
const EXPECTED_DELTAS = Array.from({ length: TOTAL }, (_, i) => i !== 0 && i !== LIVE);

/** A publication line of a client started with `delta`: both programs say whether it was a delta. */
type DeltaPublication = ClientEvent<'publication'> & { delta?: boolean };

async function publish(node: TestNode, channel: string, n: number): Promise<void> {
  const res = await node.api('publish', { channel, data: document(n) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** Registers the delta scenario for one SDK, once per protocol. */
export function deltaSuite(sdk: Extract<Sdk, 'go' | 'python'>): void {
  for (const encoding of ENCODINGS) {
    describe(`centrifuge-${sdk} SDK, ${encoding} protocol, fossil delta`, () => {
      it('decodes every publication, most as deltas, and recovers a missed run as a chain', async () => {
        await using t = setup();
        const node = await t.node(NODE_CONFIG);
        const channel = `doc:${sdk}-${encoding}`;
        const user = `${sdk}-${encoding}-delta`;
        const client = t.defer(
          await startInteropClient(sdk, {
            url: node.wsUrl,
            token: await token(user),
            channel,
            encoding,
            delta: 'fossil',
            // Long enough that the missed publications are all made while the client is away.
            minReconnectDelayMs: 1500,
          }),
          (c) => c.close(),
        );
        const received = (): DeltaPublication[] =>
          client.all('publication').filter((p) => p.channel === channel);
        await client.next('subscribed');

        for (let n = 1; n <= LIVE; n++) await publish(node, channel, n);
        await client.until(() => received().length === LIVE, `${LIVE} live publications`);

        const away = client.events.length;
        const res = await node.api('disconnect', {
          user,
          disconnect: { code: CUSTOM_RECONNECT_CODE, reason: 'interop reconnect' },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        await client.next('connecting', { from: away, where: (e) => e.code === CUSTOM_RECONNECT_CODE });
        for (let n = LIVE + 1; n <= LIVE + MISSED; n++) await publish(node, channel, n);
        assert.equal(
          client.all('connected').length,
          1,
          'the client came back before the missed publications were made: raise minReconnectDelayMs',
        );

        const resubscribed = await client.next('subscribed', { from: away, timeoutMs: 10_000 });
        assert.equal(resubscribed.wasRecovering, true);
        assert.equal(resubscribed.recovered, true);
        await client.until(() => received().length >= LIVE + MISSED, 'recovered publications');
        await publish(node, channel, TOTAL);
        await client.until(() => received().length >= TOTAL, 'a live publication after recovery');

        await sleep(SETTLE_MS);
        const got = received();
        assert.deepEqual(
          got.map((p) => ({ offset: p.offset, data: p.data })),
          Array.from({ length: TOTAL }, (_, i) => ({ offset: i + 1, data: document(i + 1) })),
        );
        assert.deepEqual(
          got.map((p) => p.delta),
          EXPECTED_DELTAS,
          'which publications came as deltas',
        );
        assert.deepEqual(client.all('error'), [], `${sdk} reported errors`);
      });
    });
  }
}
