/**
 * The hub: the node's table of local subscriptions and the fan-out of broker events to them. A
 * publication is encoded once and the same buffer is queued to every recipient, whatever their
 * positions and tags filters; subscriptions being set up hold publications back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChannelEvent, routeBrokerEvents } from '../../../src/gateway/broker-events.js';

import { Hub } from '../../../src/gateway/hub.js';
import { NodeCounters } from '../../../src/gateway/node-counters.js';
import { encodePublicationPush } from '../../../src/protocol/json/encode.js';
import type { Publication } from '../../../src/protocol/types.js';
import { nextTurn, RecordingBroker, subscriber, subscription } from './fixtures.js';

/** A hub over a recording broker. */
function setupHub(): { hub: Hub; broker: RecordingBroker; counters: NodeCounters } {
  const broker = new RecordingBroker();
  const counters = new NodeCounters();
  return { hub: new Hub(broker, counters), broker, counters };
}

/** The broker delivering a publication of `channel`. */
function published(channel: string, pub: Publication, epoch?: string): ChannelEvent {
  return epoch === undefined
    ? { type: 'publication', channel, pub }
    : { type: 'publication', channel, pub, epoch };
}

describe('Hub: the subscription table', () => {
  it('counts channels and subscriptions as they are added and removed', async () => {
    const { hub } = setupHub();
    const [a, b, c] = [subscriber('a'), subscriber('b'), subscriber('c')];
    const subA = subscription(a, 'news');
    const subB = subscription(b, 'news');
    const subC = subscription(c, 'chat');
    await Promise.all([hub.add(subA), hub.add(subB), hub.add(subC), hub.add(subA)]);
    assert.equal(hub.numChannels, 2);
    assert.equal(hub.numSubscriptions, 3, 'adding a subscription twice counts it once');
    assert.deepEqual(
      hub.channelCounts(),
      new Map([
        ['news', 2],
        ['chat', 1],
      ]),
    );
    assert.deepEqual(hub.subscribers('news'), [subA, subB]);
    assert.deepEqual(hub.subscribers('none'), []);
    hub.subscribers('news').pop();
    assert.equal(hub.subscribers('news').length, 2, 'subscribers() is a copy');
    assert.equal(hub.has(subB), true);

    hub.remove(subB);
    assert.equal(hub.has(subB), false);
    assert.deepEqual(hub.subscribers('news'), [subA]);
    hub.remove(subB);
    hub.remove(subscription(b, 'never-added'));
    hub.remove(subA);
    assert.equal(hub.numChannels, 1);
    assert.equal(hub.numSubscriptions, 1);
    assert.deepEqual(hub.subscribers('news'), []);
  });

  it('subscribes the broker with the first subscription of a channel and unsubscribes after the last', async () => {
    const { hub, broker } = setupHub();
    const first = subscription(subscriber('a'), 'news');
    const second = subscription(subscriber('b'), 'news');
    await Promise.all([hub.add(first), hub.add(second)]);
    assert.deepEqual(broker.calls, [{ op: 'subscribe', channels: ['news'] }]);
    hub.remove(first);
    await nextTurn();
    assert.equal(broker.calls.length, 1, 'still a local subscriber');
    hub.remove(second);
    await nextTurn();
    assert.deepEqual(broker.calls[1], { op: 'unsubscribe', channels: ['news'] });
  });
});

describe('Hub: publications', () => {
  it('encodes a publication once and queues the same buffer to every subscriber', async () => {
    const { hub, counters } = setupHub();
    const conns = ['a', 'b', 'c'].map((id) => subscriber(id));
    await Promise.all(conns.map((conn) => hub.add(subscription(conn, 'news'))));
    const pub: Publication = { data: '{"n":1}', tags: { kind: 'x' } };
    hub.handleEvent(published('news', pub));
    const [first] = conns[0]!.frames;
    assert.ok(first !== undefined);
    for (const conn of conns) {
      assert.equal(conn.frames.length, 1);
      assert.equal(conn.frames[0], first, 'one buffer shared by every recipient');
    }
    assert.equal(first.toString(), encodePublicationPush('news', pub));
    assert.deepEqual(JSON.parse(first.toString()), {
      push: { channel: 'news', pub: { data: { n: 1 }, tags: { kind: 'x' } } },
    });
    assert.equal(counters.publications, 1);
    assert.equal(counters.deliveries, 3);
  });

  it('counts a publication of a channel without local subscribers and queues it nowhere', () => {
    const { hub, counters } = setupHub();
    hub.handleEvent(published('empty', { data: '1' }));
    assert.equal(counters.publications, 1);
    assert.equal(counters.deliveries, 0);
  });

  it('holds publications back for a subscription being set up, and queues them to the live ones', async () => {
    const { hub, counters } = setupHub();
    const live = subscriber('live');
    const settingUp = subscriber('setting-up');
    const pending = subscription(settingUp, 'news', { buffering: true });
    await Promise.all([hub.add(subscription(live, 'news')), hub.add(pending)]);
    const pub: Publication = { data: '{}', offset: 7 };
    hub.handleEvent(published('news', pub, 'e1'));
    assert.deepEqual(settingUp.frames, []);
    assert.deepEqual(pending.buffer, [{ pub, epoch: 'e1' }]);
    assert.equal(live.frames.length, 1);
    assert.equal(counters.deliveries, 1);
  });

  it('delivers the next offset of a positioned subscription, skips what it has, and reports a gap', async () => {
    const { hub } = setupHub();
    const conn = subscriber('a');
    const sub = subscription(conn, 'news', { recoverable: true });
    sub.offset = 1;
    sub.epoch = 'e1';
    await hub.add(sub);
    hub.handleEvent(published('news', { data: '2', offset: 2 }, 'e1'));
    assert.equal(sub.offset, 2);
    hub.handleEvent(published('news', { data: '2', offset: 2 }, 'e1'));
    hub.handleEvent(published('news', { data: '1', offset: 1 }, 'e1'));
    assert.equal(conn.frames.length, 1, 'offsets delivered already are skipped');
    assert.deepEqual(conn.lost, []);
    hub.handleEvent(published('news', { data: '4', offset: 4 }, 'e1'));
    assert.deepEqual(conn.lost, [sub], 'offset 3 is missing: the subscription lost its position');
    hub.handleEvent(published('news', { data: '3', offset: 3 }, 'e2'));
    assert.deepEqual(conn.lost, [sub, sub], 'another epoch is another stream');
    assert.equal(conn.frames.length, 1);
    assert.equal(sub.offset, 2);
  });

  it('shares one buffer between subscriptions that track positions and those that do not', async () => {
    const { hub } = setupHub();
    const tracking = subscriber('tracking');
    const plain = subscriber('plain');
    const positioned = subscription(tracking, 'news', { positioned: true });
    positioned.epoch = 'e1';
    await Promise.all([hub.add(subscription(plain, 'news')), hub.add(positioned)]);
    hub.handleEvent(published('news', { data: '1', offset: 1 }, 'e1'));
    hub.handleEvent(published('news', { data: '1', offset: 1 }, 'e1'));
    assert.equal(plain.frames.length, 2, 'a subscription without position gets every publication');
    assert.equal(tracking.frames.length, 1);
    assert.equal(tracking.frames[0], plain.frames[0]);
  });

  it('delivers to a tags-filtered subscription only what matches, from the buffer the others get', async () => {
    const { hub } = setupHub();
    const filtered = subscriber('filtered');
    const everything = subscriber('everything');
    const sub = subscription(filtered, 'news', {
      recoverable: true,
      filter: (tags) => tags?.['kind'] === 'wanted',
    });
    sub.epoch = 'e1';
    await Promise.all([hub.add(subscription(everything, 'news')), hub.add(sub)]);
    hub.handleEvent(published('news', { data: '1', offset: 1, tags: { kind: 'other' } }, 'e1'));
    hub.handleEvent(published('news', { data: '2', offset: 2, tags: { kind: 'wanted' } }, 'e1'));
    hub.handleEvent(published('news', { data: '3', offset: 3 }, 'e1'));
    assert.equal(everything.frames.length, 3);
    assert.deepEqual(filtered.frames, [everything.frames[1]], 'the matching one, the same buffer');
    assert.equal(sub.offset, 3, 'publications filtered out still move the position');
    assert.deepEqual(filtered.lost, [], 'a publication filtered out is not a gap');
  });
});

describe('Hub: join, leave and other broker events', () => {
  it('queues one join or leave buffer to the live subscriptions that asked for them', async () => {
    const { hub } = setupHub();
    const wants = subscriber('wants');
    const also = subscriber('also');
    const not = subscriber('not');
    const settingUp = subscriber('setting-up');
    await Promise.all([
      hub.add(subscription(wants, 'room', { pushJoinLeave: true })),
      hub.add(subscription(also, 'room', { pushJoinLeave: true })),
      hub.add(subscription(not, 'room')),
      hub.add(subscription(settingUp, 'room', { pushJoinLeave: true, buffering: true })),
    ]);
    const info = { user: 'u', client: 'c' };
    hub.handleEvent({ type: 'join', channel: 'room', info });
    hub.handleEvent({ type: 'leave', channel: 'room', info });
    hub.handleEvent({ type: 'join', channel: 'elsewhere', info });
    assert.deepEqual(
      wants.texts().map((t) => JSON.parse(t)),
      [{ push: { channel: 'room', join: { info } } }, { push: { channel: 'room', leave: { info } } }],
    );
    assert.equal(also.frames[0], wants.frames[0]);
    assert.deepEqual(not.frames, []);
    assert.deepEqual(settingUp.frames, []);
  });

  it('gets channel events only: the node routes control messages and resubscriptions elsewhere', () => {
    const channel: string[] = [];
    const controls: string[] = [];
    let resubscribed = 0;
    const route = routeBrokerEvents({
      channel: (event) => channel.push(event.type),
      control: (data) => controls.push(data),
      resubscribed: () => resubscribed++,
    });
    route({ type: 'control', data: '{"op":1}' });
    route({ type: 'resubscribed' });
    route({ type: 'join', channel: 'c', info: { user: 'u', client: 'a' } });
    assert.deepEqual(channel, ['join']);
    assert.deepEqual(controls, ['{"op":1}']);
    assert.equal(resubscribed, 1);
  });

  it('sends publications of a conflated channel through the conflator: the first one at once', async (t) => {
    const { hub, counters } = setupHub();
    t.after(() => hub.conflator.close());
    const conn = subscriber('a');
    const plain = subscriber('b');
    await Promise.all([
      hub.add(subscription(conn, 'ticker', { options: { conflation_interval: 60_000 } })),
      hub.add(subscription(plain, 'news')),
    ]);
    hub.handleEvent(published('ticker', { data: '1' }));
    hub.handleEvent(published('ticker', { data: '2' }));
    hub.handleEvent(published('news', { data: '3' }));
    assert.deepEqual(
      conn.texts().map((text) => JSON.parse(text).push.pub.data),
      [1],
    );
    assert.equal(hub.conflator.pendingCount, 1, 'the second waits for the end of the interval');
    assert.equal(plain.frames.length, 1, 'other channels are not conflated');
    assert.equal(counters.publications, 3);
  });
});
