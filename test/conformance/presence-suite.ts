/**
 * Conformance suite for `PresenceStore`. Every engine runs it with its own factory; channels are
 * unique per test so a backend can be reused.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { sleep } from '../harness/index.js';
import { createCluster, type EngineFactory } from './engine-factory.js';
import { clientInfo, uniqueChannel } from './helpers.js';

const TTL_MS = 60_000;

export function presenceConformance(name: string, factory: EngineFactory): void {
  describe(`${name}: PresenceStore conformance`, () => {
    afterEach(async () => {
      await factory.cleanup();
    });

    it('has no entries in a channel nobody joined', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('empty');
      assert.deepEqual(await a.presence.presence(channel), {});
      assert.deepEqual(await a.presence.stats(channel), { numClients: 0, numUsers: 0 });
    });

    it('lists every client with its info and counts distinct users', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('list');
      const c1 = clientInfo('u1', 'c1', { seat: 1 });
      const c2 = clientInfo('u1', 'c2');
      const c3 = clientInfo('u2', 'c3');
      for (const info of [c1, c2, c3]) await a.presence.add(channel, info, TTL_MS);
      assert.deepEqual(await a.presence.presence(channel), { c1, c2, c3 });
      assert.deepEqual(await a.presence.stats(channel), { numClients: 3, numUsers: 2 });
      assert.deepEqual(
        await a.presence.presence(uniqueChannel('list-other')),
        {},
        'channels are independent',
      );
    });

    it('refreshes an entry on add: new info and a new expiry', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('refresh');
      await a.presence.add(channel, clientInfo('u1', 'c1', { v: 1 }), 400);
      await sleep(250);
      const refreshed = clientInfo('u1', 'c1', { v: 2 });
      await a.presence.add(channel, refreshed, 400);
      await sleep(250);
      // 500 ms after the first add but 250 ms after the refresh.
      assert.deepEqual(await a.presence.presence(channel), { c1: refreshed });
      assert.deepEqual(await a.presence.stats(channel), { numClients: 1, numUsers: 1 });
      await sleep(450);
      assert.deepEqual(await a.presence.presence(channel), {});
      assert.deepEqual(await a.presence.stats(channel), { numClients: 0, numUsers: 0 });
    });

    it('removes one client and leaves the others', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('remove');
      const c1 = clientInfo('u1', 'c1');
      const c2 = clientInfo('u1', 'c2');
      const c3 = clientInfo('u2', 'c3');
      for (const info of [c1, c2, c3]) await a.presence.add(channel, info, TTL_MS);
      await a.presence.remove(channel, 'c2');
      assert.deepEqual(await a.presence.presence(channel), { c1, c3 });
      assert.deepEqual(await a.presence.stats(channel), { numClients: 2, numUsers: 2 });
      await a.presence.remove(channel, 'c3');
      assert.deepEqual(await a.presence.stats(channel), { numClients: 1, numUsers: 1 });
      await a.presence.remove(channel, 'not-there');
      await a.presence.remove(channel, 'c1');
      assert.deepEqual(await a.presence.presence(channel), {});
      assert.deepEqual(await a.presence.stats(channel), { numClients: 0, numUsers: 0 });
    });

    it('expires entries ttlMs after the last add', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('expiry');
      const short = clientInfo('u1', 'c1');
      const long = clientInfo('u2', 'c2');
      await a.presence.add(channel, short, 200);
      await a.presence.add(channel, long, TTL_MS);
      assert.deepEqual(await a.presence.stats(channel), { numClients: 2, numUsers: 2 });
      await sleep(500);
      assert.deepEqual(await a.presence.presence(channel), { c2: long });
      assert.deepEqual(await a.presence.stats(channel), { numClients: 1, numUsers: 1 });
    });

    it('shows the entries added on every node to every node', async () => {
      const [a, b] = await createCluster(factory, 2);
      const channel = uniqueChannel('nodes');
      const c1 = clientInfo('u1', 'c1');
      const c2 = clientInfo('u2', 'c2');
      await a.presence.add(channel, c1, TTL_MS);
      await b.presence.add(channel, c2, TTL_MS);
      assert.deepEqual(await a.presence.presence(channel), { c1, c2 });
      assert.deepEqual(await b.presence.presence(channel), { c1, c2 });
      assert.deepEqual(await b.presence.stats(channel), { numClients: 2, numUsers: 2 });
      await b.presence.remove(channel, 'c1');
      assert.deepEqual(await a.presence.presence(channel), { c2 });
    });

    it('rejects calls after close', async () => {
      const [a] = await createCluster(factory, 1);
      await a.close();
      const channel = uniqueChannel('closed');
      await assert.rejects(a.presence.add(channel, clientInfo('u1', 'c1'), TTL_MS));
      await assert.rejects(a.presence.presence(channel));
      await assert.rejects(a.presence.stats(channel));
      await assert.rejects(a.presence.remove(channel, 'c1'));
    });
  });
}
