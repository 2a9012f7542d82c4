/**
 * The per-slot hash tags that name the seed keys in Redis Cluster: every slot has one, it hashes
 * to that slot (checked against the CRC16 the cluster subscriber uses here, and against Redis' own
 * slots in `redis-cluster.test.ts`), and the seed key of a channel is in the channel's slot.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashSlot, KeySpace, SLOT_COUNT, slotTag } from '../../src/engine/redis/index.js';

describe('redis cluster slot tags', () => {
  it('gives every slot a 3-character tag without braces that hashes to it', () => {
    const tags = new Set<string>();
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const tag = slotTag(slot);
      assert.match(tag, /^[0-9a-zA-Z_-]{3}$/);
      assert.equal(hashSlot(tag), slot, `tag ${tag}`);
      tags.add(tag);
    }
    assert.equal(tags.size, SLOT_COUNT);
  });

  it('names the seed key of a channel in its slot, shared by the slot; one key outside a cluster', () => {
    const cluster = new KeySpace('sb', { cluster: true });
    const plain = new KeySpace('sb');
    const bySlot = new Map<number, string>();
    let shared = 0;
    const odd = ['', 'a', 'news:😀', 'a}b', 'x'.repeat(300)];
    for (const channel of [...odd, ...Array.from({ length: 2000 }, (_, i) => `c${i}`)]) {
      const topic = cluster.topic(channel);
      const seed = cluster.seed(topic);
      assert.match(seed, /^sb:seed:\{[0-9a-zA-Z_-]{3}\}$/);
      assert.equal(hashSlot(seed), hashSlot(topic), JSON.stringify(channel));
      const other = bySlot.get(hashSlot(topic));
      if (other !== undefined) {
        assert.equal(seed, other, 'channels of one slot share its seed key');
        shared++;
      }
      bySlot.set(hashSlot(topic), seed);
      assert.equal(plain.seed(plain.topic(channel)), 'sb:seed');
    }
    assert.ok(shared > 0, 'some of the channels share a slot');
  });
});
