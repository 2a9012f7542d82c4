/**
 * The hub's fan-out with tags filters: one encoding shared by every recipient, filters asked only
 * in channels that have filtered subscribers, and the count of those kept right through repeated
 * adds and removes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChannelOptions } from '../../src/config/types.js';
import type { Broker } from '../../src/engine/types.js';
import { ClientSubscription, type SubscriptionOwner } from '../../src/gateway/client-subscription.js';
import { Hub } from '../../src/gateway/hub.js';
import type { Tags } from '../../src/gateway/tags-filter.js';
import { jsonEncoding } from '../../src/protocol/json/index.js';

const broker = { subscribe: async () => {}, unsubscribe: async () => {} } as unknown as Broker;
const options = { conflation_interval: 0 } as ChannelOptions;

function subscriber(): SubscriptionOwner & { frames: Buffer[] } {
  const frames: Buffer[] = [];
  return {
    id: 'c',
    user: 'u',
    encoding: jsonEncoding,
    frames,
    enqueue: (f) => frames.push(f),
    onInsufficientState() {},
  };
}

function subscription(conn: SubscriptionOwner, channel: string, filter?: (tags: Tags) => boolean) {
  const traits = { recoverable: false, positioned: false, pushJoinLeave: false, serverSide: false, filter };
  const sub = new ClientSubscription(conn, channel, options, traits, { user: 'u', client: 'c' });
  sub.buffer = null;
  return sub;
}

describe('hub fan-out with tags filters', () => {
  it('shares one encoded frame and asks each filter once per publication', async () => {
    const hub = new Hub(broker, { publications: 0, deliveries: 0 });
    let asked = 0;
    const onlyA = (tags: Tags) => {
      asked++;
      return tags?.['kind'] === 'a';
    };
    const plain = subscriber();
    const filtered = subscriber();
    await hub.add(subscription(plain, 'ch'));
    await hub.add(subscription(filtered, 'ch', onlyA));
    hub.handleEvent({
      type: 'publication',
      channel: 'ch',
      pub: { data: '1', tags: { kind: 'a' } },
      epoch: undefined,
    });
    hub.handleEvent({
      type: 'publication',
      channel: 'ch',
      pub: { data: '2', tags: { kind: 'b' } },
      epoch: undefined,
    });
    assert.equal(asked, 2);
    assert.equal(plain.frames.length, 2);
    assert.equal(filtered.frames.length, 1);
    assert.equal(filtered.frames[0], plain.frames[0], 'the same Buffer, encoded once');
  });

  it('stops asking once the last filtered subscriber leaves, however often it was added or removed', async () => {
    const hub = new Hub(broker, { publications: 0, deliveries: 0 });
    let asked = 0;
    const never = () => {
      asked++;
      return false;
    };
    const plain = subscriber();
    const filteredSub = subscription(subscriber(), 'ch', never);
    await hub.add(subscription(plain, 'ch'));
    await hub.add(filteredSub);
    await hub.add(filteredSub);
    const publish = (data: string) =>
      hub.handleEvent({ type: 'publication', channel: 'ch', pub: { data }, epoch: undefined });
    publish('1');
    assert.equal(asked, 1);
    hub.remove(filteredSub);
    hub.remove(filteredSub);
    publish('2');
    assert.equal(asked, 1);
    assert.equal(plain.frames.length, 2);
    // Back again, alone in a channel of its own, then with company.
    const solo = subscription(subscriber(), 'solo', never);
    await hub.add(solo);
    hub.handleEvent({ type: 'publication', channel: 'solo', pub: { data: '3' }, epoch: undefined });
    assert.equal(asked, 2);
    hub.remove(solo);
    await hub.add(filteredSub);
    publish('4');
    assert.equal(asked, 3);
  });
});
