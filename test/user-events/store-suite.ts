/**
 * The user status store's contract, run against each engine (memory, Redis): attach and detach
 * counted per node, the debounce that cancels a flap, dead nodes swept by their lease, versions that
 * only go up, the dispatcher lock and the cursor's compare and set, the online users' pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UserStatusEvent, UserStatusStore } from '../../src/engine/user-status.js';
import { sleep, waitFor } from '../harness/index.js';

/** Makes a fresh store (its own state) for each test; `cleanup` closes every store made. */
export interface StoreFactory {
  create(): Promise<UserStatusStore>;
  cleanup(): Promise<void>;
}

const LEASE = 60_000;

/** Delivers (and so forgets) every recorded event as `owner`, returning them in order. */
async function drain(store: UserStatusStore, owner = 'dispatcher'): Promise<UserStatusEvent[]> {
  assert.equal(await store.lock(owner, 5_000), true);
  const out: UserStatusEvent[] = [];
  for (;;) {
    const cursor = await store.cursor();
    const events = await store.events(cursor, 10);
    if (events.length === 0) return out;
    for (const event of events) {
      assert.equal(await store.advance(owner, out.at(-1)?.id ?? cursor, event.id), true);
      out.push(event);
    }
  }
}

const brief = (events: UserStatusEvent[]) => events.map((e) => `${e.type} ${e.user} v${e.version}`);

/** Sweeps until nothing is left to do. */
async function sweepAll(store: UserStatusStore, debounceMs: number): Promise<void> {
  while ((await store.sweep('sweeper', debounceMs, LEASE)).more) {}
}

export function userStatusConformance(name: string, factory: StoreFactory): void {
  describe(`user status store: ${name}`, () => {
    let store: UserStatusStore;
    before(async () => {
      store = await factory.create();
    });
    after(() => factory.cleanup());
    const fresh = async (): Promise<UserStatusStore> => {
      store = await factory.create();
      return store;
    };

    it('the first node of a user makes them online once; the last one leaving, after the debounce, offline', async () => {
      const s = await fresh();
      assert.deepEqual(await s.apply('a', ['u1'], [], 100, LEASE), { lost: true, emitted: 1 });
      assert.deepEqual(await s.apply('b', ['u1'], [], 100, LEASE), { lost: true, emitted: 0 });
      // Attaching again on the same node counts once.
      assert.deepEqual(await s.apply('a', ['u1'], [], 100, LEASE), { lost: false, emitted: 0 });
      assert.deepEqual(brief(await drain(s)), ['online u1 v1']);
      await s.apply('a', [], ['u1'], 100, LEASE);
      await sweepAll(s, 100);
      await sleep(150);
      await sweepAll(s, 100);
      assert.deepEqual(brief(await drain(s)), [], 'still on node b: no offline');
      await s.apply('b', [], ['u1'], 100, LEASE);
      await sweepAll(s, 100);
      assert.deepEqual(brief(await drain(s)), [], 'within the debounce: no offline yet');
      await sleep(150);
      await sweepAll(s, 100);
      const offline = await drain(s);
      assert.deepEqual(brief(offline), ['offline u1 v2']);
      assert.equal(offline[0]!.node, 'b', 'the node whose connection left last');
    });

    it('a user back within the debounce has no event at all; versions keep growing across transitions', async () => {
      const s = await fresh();
      await s.apply('a', ['u2'], [], 300, LEASE);
      await s.apply('a', [], ['u2'], 300, LEASE);
      await s.apply('b', ['u2'], [], 300, LEASE);
      await sleep(350);
      await sweepAll(s, 300);
      assert.deepEqual(brief(await drain(s)), ['online u2 v1']);
      await s.apply('b', [], ['u2'], 0, LEASE);
      await sweepAll(s, 0);
      await s.apply('a', ['u2'], [], 0, LEASE);
      await s.apply('a', [], ['u2'], 0, LEASE);
      await sweepAll(s, 0);
      assert.deepEqual(brief(await drain(s)), ['offline u2 v2', 'online u2 v3', 'offline u2 v4']);
    });

    it('a node whose lease runs out loses its users to any sweeper; a renewal after that says so', async () => {
      const s = await fresh();
      await s.apply('dead', ['u3', 'u4'], [], 0, 200);
      await s.apply('alive', ['u4'], [], 0, LEASE);
      await drain(s);
      await sweepAll(s, 0);
      assert.equal((await s.members('dead')).length, 2, 'lease still running: nothing swept');
      await sleep(250);
      await sweepAll(s, 0);
      assert.deepEqual(brief(await drain(s)), ['offline u3 v2'], 'u4 still has node alive');
      assert.deepEqual(await s.members('dead'), []);
      assert.equal(await s.renew('dead', LEASE), true, 'the lease had run out');
      assert.equal(await s.renew('dead', LEASE), false);
      assert.equal(await s.renew('alive', LEASE), false);
    });

    it('after no sweep for a whole lease (an outage), leases are extended instead of taken as run out', async () => {
      const s = await fresh();
      await s.apply('n1', ['g1'], [], 0, 200);
      await drain(s);
      assert.deepEqual(await s.sweep('sweeper', 0, 100), { more: false, emitted: 0 });
      await sleep(300);
      assert.deepEqual(await s.sweep('sweeper', 0, 100), { more: true, emitted: 0 }, 'the outage is noticed');
      await sweepAll(s, 0);
      assert.deepEqual(await s.members('n1'), ['g1'], 'the node kept its users');
      assert.deepEqual(brief(await drain(s)), []);
      assert.equal(await s.renew('n1', LEASE), false, 'the lease was extended');
    });

    it('a graceful leave detaches every user of the node, with the debounce', async () => {
      const s = await fresh();
      const users = Array.from({ length: 450 }, (_, i) => `many-${i}`);
      await s.apply('leaving', users, [], 0, LEASE);
      assert.equal((await drain(s)).length, 450);
      let steps = 0;
      while (await s.leave('leaving', 0)) steps++;
      assert.ok(steps >= 2, `left in batches (${steps + 1} steps)`);
      await sweepAll(s, 0);
      const offline = await drain(s);
      assert.equal(offline.length, 450);
      assert.ok(offline.every((e) => e.type === 'offline' && e.version === 2));
      assert.equal(await s.renew('leaving', LEASE), true, 'the lease was dropped');
    });

    it('the lock has one holder; the cursor advances only for the holder and only from where it is', async () => {
      const s = await fresh();
      await s.apply('a', ['c1', 'c2'], [], 0, LEASE);
      assert.equal(await s.lock('one', 300), true);
      assert.equal(await s.lock('two', 300), false);
      assert.equal(await s.lock('one', 300), true, 'renewed');
      const [e1, e2] = await s.events('', 10);
      assert.ok(e1 !== undefined && e2 !== undefined);
      assert.equal(await s.pending(), 2);
      assert.equal(await s.advance('two', '', e1.id), false, 'not the holder');
      assert.equal(await s.advance('one', 'elsewhere', e1.id), false, 'not from the cursor');
      assert.equal(await s.advance('one', '', e1.id), true);
      assert.equal(await s.advance('one', '', e1.id), false, 'the cursor moved on');
      assert.equal(await s.cursor(), e1.id);
      assert.deepEqual(
        (await s.events(e1.id, 10)).map((e) => e.id),
        [e2.id],
      );
      assert.equal(await s.pending(), 1);
      await waitFor(() => s.lock('two', 300), 'the lock runs out and another takes it');
      assert.equal(await s.advance('one', e1.id, e2.id), false, 'the old holder cannot advance');
      await s.unlock('one');
      assert.equal(await s.lock('one', 300), false, 'unlock by a non-holder changes nothing');
      await s.unlock('two');
      assert.equal(await s.lock('one', 300), true);
    });

    it('online users: every user with a node or within the debounce, with versions, in pages', async () => {
      const s = await fresh();
      const users = Array.from({ length: 25 }, (_, i) => `on-${i}`);
      await s.apply('a', users, [], 60_000, LEASE);
      await s.apply('a', [], ['on-0', 'on-1'], 60_000, LEASE);
      await s.apply('a', ['gone'], [], 0, LEASE);
      await s.apply('a', [], ['gone'], 0, LEASE);
      await sweepAll(s, 60_000);
      const seen = new Map<string, number>();
      let cursor = '';
      let pages = 0;
      do {
        const page = await s.online(cursor, 10);
        for (const u of page.users) seen.set(u.user, u.version);
        cursor = page.cursor;
        pages++;
        assert.ok(pages < 50, 'the pages end');
      } while (cursor !== '');
      assert.ok(pages >= 2, `paged (${pages})`);
      assert.deepEqual(
        [...seen.keys()].sort(),
        [...users].sort(),
        'within the debounce counts as online; gone does not',
      );
      assert.ok([...seen.values()].every((v) => v === 1));
    });

    it('refuses user ids that are not well-formed Unicode', async () => {
      await assert.rejects(store.apply('a', ['\ud800'], [], 0, LEASE), { code: 'ENGINE_INVALID_ARGUMENT' });
    });
  });
}
