/**
 * A connection's subscriptions by channel: a scanned array for a few, a Map past eight. Both forms
 * must behave the same: lookups, replacement in place, removal, and the order of addition.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientSubscription } from '../../../src/gateway/client-subscription.js';
import { SubscriptionTable } from '../../../src/gateway/subscription-table.js';
import { subscriber, subscription } from './fixtures.js';

const conn = subscriber('c1');
const sub = (channel: string): ClientSubscription => subscription(conn, channel);

/** A table holding subscriptions to `channels`, added in that order. */
function tableOf(channels: string[]): SubscriptionTable {
  const table = new SubscriptionTable();
  for (const channel of channels) table.set(sub(channel));
  return table;
}

/** `count` channel names, `ch0` to `ch<count-1>`. */
const names = (count: number): string[] => Array.from({ length: count }, (_, i) => `ch${i}`);

describe('SubscriptionTable: empty', () => {
  it('holds nothing', () => {
    const table = new SubscriptionTable();
    assert.equal(table.size, 0);
    assert.equal(table.get('a'), undefined);
    assert.equal(table.has('a'), false);
    assert.equal(table.delete('a'), false);
    assert.deepEqual([...table.values()], []);
    assert.deepEqual(table.channels(), []);
  });
});

// The same behaviour below and above the switch from the array to the Map.
for (const count of [3, 8, 9, 20]) {
  describe(`SubscriptionTable with ${count} subscriptions`, () => {
    it('finds each subscription by channel and lists them in the order they were added', () => {
      const channels = names(count);
      const subs = channels.map(sub);
      const table = new SubscriptionTable();
      for (const s of subs) table.set(s);
      assert.equal(table.size, count);
      for (const s of subs) {
        assert.equal(table.get(s.channel), s);
        assert.equal(table.has(s.channel), true);
      }
      assert.equal(table.has('missing'), false);
      assert.deepEqual([...table.values()], subs);
      assert.deepEqual(table.channels(), channels);
    });

    it('replaces the subscription of a channel set again, which keeps its turn in the order', () => {
      const table = tableOf(names(count));
      const replacement = sub('ch1');
      table.set(replacement);
      assert.equal(table.size, count);
      assert.equal(table.get('ch1'), replacement);
      assert.equal([...table.values()][1], replacement);
      assert.deepEqual(table.channels(), names(count));
    });

    it('removes one subscription and keeps the order of the others', () => {
      const table = tableOf(names(count));
      assert.equal(table.delete('ch1'), true);
      assert.equal(table.delete('ch1'), false, 'already gone');
      assert.equal(table.size, count - 1);
      assert.equal(table.get('ch1'), undefined);
      assert.deepEqual(
        table.channels(),
        names(count).filter((c) => c !== 'ch1'),
      );
    });

    it('empties completely and fills again', () => {
      const table = tableOf(names(count));
      for (const channel of names(count)) assert.equal(table.delete(channel), true);
      assert.equal(table.size, 0);
      assert.deepEqual([...table.values()], []);
      table.set(sub('again'));
      assert.deepEqual(table.channels(), ['again']);
    });

    it('visits every subscription when each is removed during the walk', () => {
      const table = tableOf(names(count));
      const seen: string[] = [];
      for (const s of table.values()) {
        seen.push(s.channel);
        table.delete(s.channel);
      }
      assert.deepEqual(seen, names(count));
      assert.equal(table.size, 0);
    });
  });
}

describe('SubscriptionTable: walking the array form', () => {
  it('walks the subscriptions held when the walk began while others come and go', () => {
    const table = tableOf(['a', 'b', 'c']);
    const seen: string[] = [];
    for (const s of table.values()) {
      seen.push(s.channel);
      if (s.channel === 'a') {
        table.delete('c');
        table.set(sub('d'));
      }
    }
    assert.deepEqual(seen, ['a', 'b', 'c']);
    assert.deepEqual(table.channels(), ['a', 'b', 'd']);
  });

  it('moves to the Map form at the ninth subscription without losing any', () => {
    const table = tableOf(names(8));
    const ninth = sub('ch8');
    table.set(ninth);
    assert.equal(table.size, 9);
    assert.equal(table.get('ch8'), ninth);
    assert.equal(table.get('ch0')?.channel, 'ch0');
    assert.deepEqual(table.channels(), names(9));
  });
});
