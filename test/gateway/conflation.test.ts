import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { resolveConfig } from '../../src/config/index.js';
import type { ChannelOptions } from '../../src/config/types.js';
import { Conflator } from '../../src/gateway/conflator.js';
import type { Publication } from '../../src/protocol/types.js';
import { assertConfigError } from '../config/assert-config-error.js';
import { collect, connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';

const SYMBOLS = Array.from({ length: 10 }, (_, i) => `S${i}`);
const TICKS = 1000;

interface Tick {
  symbol: string;
  price: number;
}

/** 1,000 ticks over 10 symbols; each symbol's prices increase, and its last price is the largest. */
function ticks(): Tick[] {
  return Array.from({ length: TICKS }, (_, i) => ({ symbol: SYMBOLS[i % SYMBOLS.length]!, price: i }));
}

function lastPrices(all: Tick[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of all) out.set(t.symbol, t.price);
  return out;
}

/** Publishes every tick in one sequential API batch, as fast as the node takes them. */
async function publishTicks(node: TestNode, channel: string, all: Tick[], withTags: boolean): Promise<void> {
  const commands = all.map((t) => ({
    publish: withTags ? { channel, data: t, tags: { symbol: t.symbol } } : { channel, data: t },
  }));
  const res = await node.api('batch', { commands });
  assert.equal(res.status, 200);
  const replies = (res.body as { replies: Record<string, unknown>[] }).replies;
  assert.equal(replies.length, all.length);
  assert.ok(
    replies.every((r) => r['error'] === undefined),
    'every publish succeeds',
  );
}

/** Received prices per symbol, in arrival order. */
function bySymbol(got: PublicationContext[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const ctx of got) {
    const t = ctx.data as Tick;
    let list = out.get(t.symbol);
    if (list === undefined) {
      list = [];
      out.set(t.symbol, list);
    }
    list.push(t.price);
  }
  return out;
}

const history = { history_size: 2000, history_ttl: '300s' };

describe('conflation', () => {
  let node: TestNode;
  const clients: Centrifuge[] = [];

  before(async () => {
    node = await startTestNode({
      channel: {
        namespaces: [
          { name: 'tagged', conflation_interval: '200ms', conflation_key: 'tag:symbol', ...history },
          { name: 'field', conflation_interval: '200ms', conflation_key: 'symbol', ...history },
          { name: 'whole', conflation_interval: '50ms' },
          { name: 'plain', ...history },
        ],
      },
    });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await node.stop();
  });

  async function subscribe(channel: string): Promise<PublicationContext[]> {
    const client = newClient(node.wsUrl, { token: await node.token('trader') });
    clients.push(client);
    client.connect();
    await connected(client);
    const sub = client.newSubscription(channel);
    const got = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    return got;
  }

  /** Checks the conflated stream: few messages, every last tick, never an older value after a newer one. */
  async function assertConflated(channel: string, withTags: boolean): Promise<void> {
    const got = await subscribe(channel);
    const all = ticks();
    await publishTicks(node, channel, all, withTags);
    const last = lastPrices(all);
    await waitFor(() => {
      const seen = bySymbol(got);
      return SYMBOLS.every((s) => seen.get(s)?.at(-1) === last.get(s));
    }, 'the last tick of every symbol');
    // Nothing arrives after the trailing edge.
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(got.length < 200, `expected far fewer than ${TICKS} publications, got ${got.length}`);
    assert.ok(got.length >= SYMBOLS.length, `expected at least one per symbol, got ${got.length}`);
    for (const [symbol, prices] of bySymbol(got)) {
      for (let i = 1; i < prices.length; i++) {
        assert.ok(prices[i]! > prices[i - 1]!, `${symbol}: ${prices[i]} came after ${prices[i - 1]}`);
      }
      assert.equal(prices.at(-1), last.get(symbol));
    }
    for (const ctx of got) assert.equal(ctx.offset, undefined, 'conflated publications carry no offset');

    const res = await node.api('history', { channel, limit: -1 });
    assert.equal(res.status, 200);
    const pubs = (res.body['result'] as { publications: { data: Tick }[] }).publications;
    assert.equal(pubs.length, TICKS, 'history keeps every publication');
    assert.deepEqual(
      pubs.map((p) => p.data.price),
      all.map((t) => t.price),
    );
  }

  it('keeps the latest tick per tag value within the interval; history keeps all', async () => {
    await assertConflated('tagged:prices', true);
  });

  it('keeps the latest tick per data field within the interval', async () => {
    await assertConflated('field:prices', false);
  });

  it('with the whole channel as key, delivers the first and the last publication of a burst', async () => {
    const got = await subscribe('whole:feed');
    await publishTicks(node, 'whole:feed', ticks().slice(0, 100), false);
    await waitFor(() => (got.at(-1)?.data as Tick | undefined)?.price === 99, 'the last publication');
    await new Promise((r) => setTimeout(r, 150));
    const prices = got.map((c) => (c.data as Tick).price);
    assert.ok(prices.length < 10, `expected a handful, got ${prices.length}`);
    assert.equal(prices[0], 0, 'the leading edge goes out at once');
    assert.equal(prices.at(-1), 99);
  });

  it('delivers every publication without conflation (the default)', async () => {
    const got = await subscribe('plain:prices');
    const all = ticks();
    await publishTicks(node, 'plain:prices', all, true);
    await waitFor(() => got.length === TICKS, `${TICKS} publications`, 10_000);
    assert.deepEqual(
      got.map((c) => (c.data as Tick).price),
      all.map((t) => t.price),
    );
    assert.equal(got.at(-1)?.offset, TICKS, 'offsets are delivered without conflation');
  });

  it('forgets keys that stay idle for an interval', async () => {
    const conflator = node.app.node.hub.conflator;
    await waitFor(() => conflator.size === 0, 'every key forgotten', 3000);
    assert.equal(conflator.pendingCount, 0);
    assert.equal(conflator.active, false, 'the shared timer stops when nothing waits');
  });
});

describe('Conflator', () => {
  const options = (key: string, interval = 30): ChannelOptions =>
    resolveConfig({
      channel: { without_namespace: { conflation_interval: `${interval}ms`, conflation_key: key } },
    }).channel.without_namespace;
  const pub = (data: unknown, extra: Partial<Publication> = {}): Publication => ({
    data: JSON.stringify(data),
    ...extra,
  });

  it('delivers leading and trailing edges in the order keys became pending, then forgets', async () => {
    const out: string[] = [];
    const conflator = new Conflator((channel, p) => out.push(`${channel}:${p.data}`));
    const opts = options('k');
    for (const [k, v] of [
      ['b', 1],
      ['a', 1],
      ['a', 2],
      ['b', 2],
      ['a', 3],
      ['b', 3],
    ] as const) {
      conflator.offer('ch', pub({ k, v }), undefined, opts);
    }
    conflator.offer('other', pub({ v: 1 }), undefined, opts); // no key: the shared "" slot
    assert.deepEqual(out, ['ch:{"k":"b","v":1}', 'ch:{"k":"a","v":1}', 'other:{"v":1}']);
    assert.equal(conflator.size, 3);
    assert.equal(conflator.pendingCount, 2);
    await waitFor(() => out.length === 5, 'trailing edges');
    // "a" became pending before "b".
    assert.deepEqual(out.slice(3), ['ch:{"k":"a","v":3}', 'ch:{"k":"b","v":3}']);
    assert.equal(conflator.pendingCount, 0);
    await waitFor(() => conflator.size === 0 && !conflator.active, 'idle keys forgotten');
    // A forgotten key starts a new quiet period: its next publication goes out at once.
    conflator.offer('ch', pub({ k: 'a', v: 4 }), undefined, opts);
    assert.equal(out.at(-1), 'ch:{"k":"a","v":4}');
    conflator.close();
    assert.equal(conflator.size, 0);
  });

  it('never delivers a publication older than one already seen, and drops offsets', async () => {
    const out: Publication[] = [];
    const conflator = new Conflator((_, p) => out.push(p));
    const opts = options('tag:s');
    const tags = { s: 'x' };
    conflator.offer('ch', pub(1, { offset: 5, tags }), 'e1', opts);
    conflator.offer('ch', pub(2, { offset: 4, tags }), 'e1', opts); // older than delivered: dropped
    conflator.offer('ch', pub(3, { offset: 7, tags }), 'e1', opts);
    conflator.offer('ch', pub(4, { offset: 6, tags }), 'e1', opts); // older than pending: dropped
    await waitFor(() => out.length === 2, 'trailing edge');
    assert.deepEqual(out, [
      { data: '1', tags },
      { data: '3', tags },
    ]);
    conflator.close();
  });

  it('serves channels with different intervals from one timer', async () => {
    const out: string[] = [];
    const conflator = new Conflator((channel) => out.push(channel));
    const slow = options('', 120);
    const fast = options('', 20);
    conflator.offer('slow', pub(1), undefined, slow);
    conflator.offer('slow', pub(2), undefined, slow);
    conflator.offer('fast', pub(1), undefined, fast);
    conflator.offer('fast', pub(2), undefined, fast);
    await waitFor(() => out.length === 3, 'the fast trailing edge');
    assert.deepEqual(out, ['slow', 'fast', 'fast']);
    await waitFor(() => out.length === 4, 'the slow trailing edge');
    await waitFor(() => conflator.size === 0, 'both forgotten');
    conflator.close();
  });
});

describe('conflation config', () => {
  const ns = (extra: Record<string, unknown>) => ({ channel: { namespaces: [{ name: 'a', ...extra }] } });

  it('defaults to off', () => {
    const options = resolveConfig({}).channel.without_namespace;
    assert.equal(options.conflation_interval, 0);
    assert.equal(options.conflation_key, '');
    const set = resolveConfig(ns({ conflation_interval: '100ms', conflation_key: 'tag:symbol' }));
    assert.equal(set.channel.namespaces[0]?.conflation_interval, 100);
    assert.equal(set.channel.namespaces[0]?.conflation_key, 'tag:symbol');
  });

  for (const key of ['force_recovery', 'allow_recovery', 'force_positioning', 'allow_positioning']) {
    it(`rejects conflation with ${key}`, () => {
      const err = assertConfigError(
        () => resolveConfig(ns({ ...history, conflation_interval: '100ms', [key]: true })),
        `channel.namespaces[0].${key}`,
      );
      assert.match(err.message, /conflation_interval/);
    });
  }

  it('rejects a bad or too short interval', () => {
    for (const value of ['5ms', 'soon', 100]) {
      assertConfigError(
        () => resolveConfig({ channel: { without_namespace: { conflation_interval: value } } }),
        'channel.without_namespace.conflation_interval',
      );
    }
  });

  it('rejects a key without an interval, and an empty tag name', () => {
    assertConfigError(
      () => resolveConfig(ns({ conflation_key: 'symbol' })),
      'channel.namespaces[0].conflation_key',
    );
    assertConfigError(
      () => resolveConfig(ns({ conflation_interval: '100ms', conflation_key: 'tag:' })),
      'channel.namespaces[0].conflation_key',
    );
  });
});
