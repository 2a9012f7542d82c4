/**
 * Fossil delta compression (`allowed_delta_types: ["fossil"]`), on both engines: negotiated in the
 * subscribe reply (`delta: true`) only where the namespace allows it and the subscription tracks its
 * position; the first publication after subscribe goes in full, the next ones as deltas against the
 * one before (JSON: the data as a JSON string, as Centrifugo sends it); a subscriber that did not
 * ask gets plain data; a recovered run is a chain that ends in the client's base; publications the
 * publisher did not mark (no `delta`, no `delta_publish`) go in full. Deltas are applied with our
 * strict decoder, so a wrong base fails the test.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { applyFossilDelta } from '../../src/protocol/delta/fossil.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { type RawClient, rawConnect } from '../harness/raw-client.js';
import { type RedisServer, startRedis } from '../harness/redis.js';
import { uniquePrefix } from '../harness/redis-engines.js';
import { waitFor } from '../harness/wait.js';

const HISTORY = { history_size: 50, history_ttl: '300s' };
const namespaces = [
  { name: 'doc', ...HISTORY, force_positioning: true, allowed_delta_types: ['fossil'], delta_publish: true },
  { name: 'rec', ...HISTORY, force_recovery: true, allowed_delta_types: ['fossil'], delta_publish: true },
  { name: 'marked', ...HISTORY, force_positioning: true, allowed_delta_types: ['fossil'] },
  { name: 'plain', ...HISTORY, force_positioning: true },
  { name: 'nopos', allowed_delta_types: ['fossil'], delta_publish: true },
];

type Json = Record<string, unknown>;

/** A ~2 KB JSON document whose `counter` field changes. */
function doc(counter: number): Json {
  return { counter, items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item number ${i}` })) };
}

/** Publications pushed on `channel`, in order. */
function pubs(client: RawClient, channel: string): Json[] {
  return client.received
    .map((m) => (m['push'] as Json | undefined) ?? undefined)
    .filter((p): p is Json => p !== undefined && p['channel'] === channel && p['pub'] !== undefined)
    .map((p) => p['pub'] as Json);
}

/** Decodes a delta subscriber's publications as the SDKs do: string data, deltas applied in turn. */
function decodeChain(list: readonly Json[], base?: Uint8Array): unknown[] {
  let previous = base;
  return list.map((pub) => {
    assert.equal(typeof pub['data'], 'string', 'a delta subscriber gets data as a JSON string');
    const bytes = Buffer.from(pub['data'] as string);
    const full = pub['delta'] === true ? Buffer.from(applyFossilDelta(previous!, bytes)) : bytes;
    previous = full;
    return JSON.parse(full.toString());
  });
}

for (const engine of ['memory', 'redis'] as const)
  describe(`Fossil delta compression (${engine} engine)`, () => {
    let redis: RedisServer | undefined;
    let node: TestNode;
    const clients: RawClient[] = [];
    before(async () => {
      if (engine === 'redis') redis = await startRedis();
      node = await startTestNode({
        channel: { namespaces },
        client: { subscribe_to_user_personal_channel: { enabled: false } },
        ...(redis === undefined
          ? {}
          : { engine: { redis: { address: redis.url, prefix: uniquePrefix('delta') } } }),
      });
    });
    afterEach(() => {
      for (const c of clients.splice(0)) c.close();
    });
    after(async () => {
      await node.stop();
      await redis?.stop();
    });

    async function client(user = 'u1'): Promise<RawClient> {
      const c = await rawConnect(node.wsUrl);
      clients.push(c);
      const reply = await c.call(1, 'connect', { token: await node.token(user) });
      assert.ok(reply['connect'], JSON.stringify(reply));
      return c;
    }

    async function publish(channel: string, data: unknown, extra: Json = {}): Promise<void> {
      const res = await node.api('publish', { channel, data, ...extra });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }

    it('sends the first publication in full and the next ones as deltas that rebuild the data', async () => {
      const channel = `doc:${engine}-1`;
      const delta = await client();
      const plain = await client('u2');
      const reply = await delta.call(2, 'subscribe', { channel, delta: 'fossil' });
      assert.equal((reply['subscribe'] as Json)['delta'], true);
      await plain.call(2, 'subscribe', { channel });
      for (let i = 1; i <= 5; i++) await publish(channel, doc(i));
      await waitFor(
        () => pubs(delta, channel).length === 5 && pubs(plain, channel).length === 5,
        'five each',
      );
      const got = pubs(delta, channel);
      assert.deepEqual(
        got.map((p) => p['delta'] === true),
        [false, true, true, true, true],
      );
      assert.deepEqual(decodeChain(got), [1, 2, 3, 4, 5].map(doc));
      const fullBytes = Buffer.byteLength(JSON.stringify(doc(5)));
      for (const p of got.slice(1))
        assert.ok((p['data'] as string).length < fullBytes * 0.2, 'a small delta');
      // Who did not ask gets the data itself, not a string.
      assert.deepEqual(
        pubs(plain, channel).map((p) => p['data']),
        [1, 2, 3, 4, 5].map(doc),
      );
      assert.ok(pubs(plain, channel).every((p) => p['delta'] === undefined));
    });

    it('is not negotiated where the namespace does not allow it or the subscription has no position', async () => {
      const c = await client();
      for (const [id, channel] of [
        [2, `plain:${engine}`],
        [3, `nopos:${engine}`],
      ] as const) {
        const reply = await c.call(id, 'subscribe', { channel, delta: 'fossil' });
        assert.equal((reply['subscribe'] as Json)['delta'], undefined, channel);
        await publish(channel, doc(1));
        await publish(channel, doc(2));
        await waitFor(() => pubs(c, channel).length === 2, `two on ${channel}`);
        assert.deepEqual(
          pubs(c, channel).map((p) => p['data']),
          [doc(1), doc(2)],
        );
      }
    });

    it('closes a connection that asks for an unknown delta type (3501)', async () => {
      const c = await client();
      c.send(JSON.stringify({ id: 2, subscribe: { channel: `doc:${engine}-x`, delta: 'zstd' } }));
      assert.equal((await c.closed).code, 3501);
    });

    it('sends publications in full where the publisher did not mark them, and deltas where it did', async () => {
      const channel = `marked:${engine}`;
      const c = await client();
      await c.call(2, 'subscribe', { channel, delta: 'fossil' });
      await publish(channel, doc(1));
      await publish(channel, doc(2));
      await publish(channel, doc(3), { delta: true });
      await waitFor(() => pubs(c, channel).length === 3, 'three');
      const got = pubs(c, channel);
      assert.deepEqual(
        got.map((p) => p['delta'] === true),
        [false, false, true],
      );
      assert.deepEqual(decodeChain(got), [doc(1), doc(2), doc(3)]);
    });

    it('recovers a missed run as a chain, then continues with deltas from its end', async () => {
      const channel = `rec:${engine}`;
      const first = await client();
      const sub = (await first.call(2, 'subscribe', { channel, delta: 'fossil' }))['subscribe'] as Json;
      await publish(channel, doc(1));
      await waitFor(() => pubs(first, channel).length === 1, 'the first');
      const [seen] = decodeChain(pubs(first, channel));
      first.close();
      for (let i = 2; i <= 4; i++) await publish(channel, doc(i));
      const again = await client();
      const reply = (
        await again.call(2, 'subscribe', {
          channel,
          delta: 'fossil',
          recover: true,
          epoch: sub['epoch'],
          offset: 1,
        })
      )['subscribe'] as Json;
      assert.equal(reply['recovered'], true);
      assert.equal(reply['delta'], true);
      const recovered = reply['publications'] as Json[];
      assert.deepEqual(
        recovered.map((p) => p['delta'] === true),
        [false, true, true],
      );
      await publish(channel, doc(5));
      await waitFor(() => pubs(again, channel).length === 1, 'a live one');
      const live = pubs(again, channel);
      assert.equal(live[0]!['delta'], true, 'the live publication is a delta against the last recovered one');
      assert.deepEqual(seen, doc(1));
      assert.deepEqual(decodeChain([...recovered, ...live]), [doc(2), doc(3), doc(4), doc(5)]);
    });
  });
