/**
 * Conformance suite for names that are not well-formed Unicode (a lone UTF-16 surrogate): every
 * method refuses such a channel name, idempotency key or presence client id with
 * ENGINE_INVALID_ARGUMENT and stores nothing. Encoded as UTF-8 such a name becomes U+FFFD, so a
 * backend that let it through would deliver it under another name and mix it into another stream.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Engine, HistoryOptions } from '../../src/engine/types.js';
import { createCluster, type EngineFactory } from './engine-factory.js';
import { EventRecorder, numbered } from './event-recorder.js';
import { clientInfo, uniqueChannel } from './helpers.js';

const HISTORY: HistoryOptions = { size: 10, ttlMs: 60_000, metaTtlMs: 600_000 };
const INVALID = { code: 'ENGINE_INVALID_ARGUMENT' };

/** Every channel method of one node with `channel`, each expected to reject. */
async function assertChannelRefused(engine: Engine, channel: string): Promise<void> {
  const info = clientInfo('u1', 'c1');
  const calls: [string, () => Promise<unknown>][] = [
    ['subscribe', () => engine.broker.subscribe([channel])],
    ['unsubscribe', () => engine.broker.unsubscribe([channel])],
    ['publish', () => engine.broker.publish(channel, numbered(1))],
    ['publish with history', () => engine.broker.publish(channel, numbered(1), { history: HISTORY })],
    ['publish idempotent', () => engine.broker.publish(channel, numbered(1), { idempotencyKey: 'k' })],
    ['publishJoin', () => engine.broker.publishJoin(channel, info)],
    ['publishLeave', () => engine.broker.publishLeave(channel, info)],
    ['history', () => engine.history.history(channel, { limit: -1 }, HISTORY.metaTtlMs)],
    ['history remove', () => engine.history.remove(channel)],
    ['presence add', () => engine.presence.add(channel, info, 60_000)],
    ['presence remove', () => engine.presence.remove(channel, 'c1')],
    ['presence', () => engine.presence.presence(channel)],
    ['presence stats', () => engine.presence.stats(channel)],
  ];
  for (const [what, call] of calls) {
    await assert.rejects(call(), INVALID, `${what} of ${JSON.stringify(channel)}`);
  }
}

export function unicodeConformance(name: string, factory: EngineFactory): void {
  describe(`${name}: well-formed Unicode conformance`, () => {
    afterEach(async () => {
      await factory.cleanup();
    });

    it('refuses channel names with a lone surrogate on every method and stores nothing', async () => {
      const [a, b] = await createCluster(factory, 2);
      const rb = await EventRecorder.start(b.broker);
      await EventRecorder.start(a.broker);
      const base = uniqueChannel('lone');
      // The name a UTF-8 encoder turns each refused one into: it must stay untouched.
      const replaced = `${base}\ufffd`;
      await b.broker.subscribe([replaced]);
      for (const channel of [`${base}\ud800`, `${base}\udc00`, `${base}\udc00\ud800`, '\ud83d']) {
        await assertChannelRefused(a, channel);
      }
      const read = await b.history.history(replaced, { limit: -1 }, HISTORY.metaTtlMs);
      assert.deepEqual(read.publications, [], 'no refused publish landed in the replaced stream');
      assert.equal(read.position.offset, 0);
      assert.deepEqual(rb.events, [], 'nothing was delivered under the replaced name');
      if (factory.stored !== undefined) assert.deepEqual(await factory.stored(replaced), []);
    });

    it('refuses idempotency keys and presence client ids with a lone surrogate', async () => {
      const [a] = await createCluster(factory, 1);
      const channel = uniqueChannel('lone-key');
      await assert.rejects(
        a.broker.publish(channel, numbered(1), { history: HISTORY, idempotencyKey: 'order\ud800' }),
        INVALID,
      );
      await assert.rejects(a.broker.publish(channel, numbered(1), { idempotencyKey: '\udfff' }), INVALID);
      await assert.rejects(a.presence.add(channel, clientInfo('u1', 'c\ud800'), 60_000), INVALID);
      await assert.rejects(a.presence.add(channel, clientInfo('u\udc00', 'c1'), 60_000), INVALID);
      await assert.rejects(a.presence.remove(channel, 'c\ud800'), INVALID);
      const read = await a.history.history(channel, { limit: -1 }, HISTORY.metaTtlMs);
      assert.deepEqual(read.publications, []);
      if (factory.stored !== undefined) assert.deepEqual(await factory.stored(channel), []);
    });

    it('accepts well-formed names: astral characters, U+FFFD itself, the last code point', async () => {
      const [a, b] = await createCluster(factory, 2);
      const ra = await EventRecorder.start(a.broker);
      const base = uniqueChannel('astral');
      const channels = [`${base}😀`, `${base}\ufffd`, `${base}\u{10ffff}`];
      await a.broker.subscribe(channels);
      for (const [i, channel] of channels.entries()) {
        const result = await b.broker.publish(channel, numbered(i + 1), {
          history: HISTORY,
          idempotencyKey: `key-😀-${i}`,
        });
        assert.equal(result.position?.offset, 1, JSON.stringify(channel));
        await b.presence.add(channel, clientInfo('user-😀', `client-😀-${i}`), 60_000);
      }
      for (const [i, channel] of channels.entries()) {
        const [event] = await ra.waitForPublications(channel, 1);
        assert.equal(event!.pub.data, `{"n":${i + 1}}`);
        const read = await a.history.history(channel, { limit: -1 }, HISTORY.metaTtlMs);
        assert.deepEqual(
          read.publications.map((p) => p.data),
          [`{"n":${i + 1}}`],
          JSON.stringify(channel),
        );
        assert.deepEqual(Object.keys(await a.presence.presence(channel)), [`client-😀-${i}`]);
      }
    });
  });
}
