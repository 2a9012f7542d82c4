/**
 * redis_stream consumer on two node processes sharing one engine Redis, reading two streams of a
 * separate queue Redis: each node takes one stream (a lease each); every client, on either node,
 * gets every message once and in order; poison entries go to `<stream>:dead-letter` without
 * blocking the good ones; `/ready` is 503 naming the consumer while the queue Redis is down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, setup, waitFor } from '../harness/index.js';
import {
  CONSUMER,
  consumerCount,
  consumerLag,
  holderOf,
  produce,
  publishFields,
  type Rig,
  range,
  ready,
  rig,
  startConsumerNode,
  untilAll,
  watch,
} from './redis-stream-fixture.js';

describe('redis_stream consumer: delivery on two nodes', { timeout: 110_000 }, () => {
  const t = setup();
  let r: Rig;
  let nodes: NodeProcess[];
  const streams = ['rs:a', 'rs:b'];

  before(async () => {
    r = await rig(t);
    nodes = await Promise.all([
      startConsumerNode(t, r, 'rs-1', streams),
      startConsumerNode(t, r, 'rs-2', streams),
    ]);
  });
  after(() => t.cleanup());

  it('spreads the streams over the nodes and delivers each once, in order, to clients on both nodes', async () => {
    // Both nodes are members: each ends up holding one of the two streams.
    const holders = await waitFor(
      async () => {
        const [a, b] = await Promise.all(streams.map((s) => holderOf(r, nodes, s)));
        return a !== undefined && b !== undefined && a !== b && [a.name, b.name];
      },
      { message: 'one stream per node', timeoutMs: 20_000, intervalMs: 100 },
    );
    assert.deepEqual([...holders].sort(), ['rs-1', 'rs-2']);
    const watchers = [
      await watch(t, [nodes[0]!], 'feed:a', 'u1'),
      await watch(t, [nodes[1]!], 'feed:a', 'u2'),
      await watch(t, [nodes[0]!], 'feed:b', 'u3'),
      await watch(t, [nodes[1]!], 'feed:b', 'u4'),
    ];
    await Promise.all([produce(r, 'rs:a', 'feed:a', 1, 600), produce(r, 'rs:b', 'feed:b', 1, 600)]);
    await untilAll(watchers, 600, 30_000);
    for (const w of watchers) assert.deepEqual(w.numbers(), range(1, 600));
    const applied = (await Promise.all(nodes.map((n) => consumerCount(n, 'applied')))).reduce(
      (a, b) => a + b,
    );
    assert.equal(applied, 1200, 'each entry applied once across the nodes');
    // Everything was acknowledged: nothing pending, and the lag reaches 0.
    for (const s of streams) {
      const pending = (await r.producer.xpending(s, 'switchboard')) as [number];
      assert.equal(pending[0], 0, `${s} has no pending entries`);
    }
    await waitFor(async () => (await consumerLag(nodes[0]!)) === 0, 'lag 0', 15_000);
  });

  it('dead-letters poison entries and keeps delivering the good ones in order', async () => {
    const w = await watch(t, [nodes[1]!], 'feed:p', 'u5');
    const poison: string[][] = [
      ['payload', '{not json'],
      ['method', 'nope', 'payload', '{"channel":"feed:p","data":{}}'],
      ['method', 'publish', 'payload', JSON.stringify({ channel: 'ghost:x', data: { n: 0 } })],
      ['something', 'else'],
      ['payload', '[1,2]'],
    ];
    const ids: string[] = [];
    const poisonIds: string[] = [];
    for (let n = 1; n <= 10; n++) {
      ids.push((await r.producer.xadd('rs:a', '*', ...publishFields('feed:p', n)))!);
      const bad = poison[n - 1];
      if (bad !== undefined) poisonIds.push((await r.producer.xadd('rs:a', '*', ...bad))!);
    }
    await untilAll([w], 10, 20_000);
    assert.deepEqual(w.numbers(), range(1, 10));
    const dead = await waitFor(
      async () => {
        const entries = await r.producer.xrange('rs:a:dead-letter', '-', '+');
        return entries.length >= poison.length && entries;
      },
      'dead letters',
      15_000,
    );
    assert.equal(dead.length, poison.length);
    const fields = dead.map(([, f]) => {
      const m = new Map<string, string>();
      for (let i = 0; i + 1 < f.length; i += 2) m.set(f[i]!, f[i + 1]!);
      return m;
    });
    assert.deepEqual(
      fields.map((m) => m.get('source_id')),
      poisonIds,
    );
    for (const m of fields) {
      assert.equal(m.get('source_stream'), 'rs:a');
      assert.ok((m.get('dead_letter_reason') ?? '') !== '', 'a reason');
    }
    assert.equal(fields[0]!.get('payload'), '{not json');
    assert.match(fields[1]!.get('dead_letter_reason')!, /method not found/);
    assert.equal(fields[3]!.get('something'), 'else');
    const deadCount = (await Promise.all(nodes.map((n) => consumerCount(n, 'dead_lettered')))).reduce(
      (a, b) => a + b,
    );
    assert.equal(deadCount, poison.length);
    const pending = (await r.producer.xpending('rs:a', 'switchboard')) as [number];
    assert.equal(pending[0], 0, 'poison entries acknowledged');
  });

  it('is not ready while its queue Redis is down, and consumes again once it is back', async () => {
    assert.equal((await ready(nodes[0]!)).status, 200);
    await r.queue.kill();
    for (const node of nodes) {
      const down = await waitFor(
        async () => {
          const res = await ready(node);
          return res.status === 503 && res;
        },
        { message: `${node.name} not ready`, timeoutMs: 15_000, intervalMs: 100 },
      );
      assert.match(down.body, new RegExp(`consumer ${CONSUMER}`));
    }
    // The nodes keep running (an outage is never fatal).
    for (const node of nodes) assert.equal(node.child.exitCode, null);
    await r.queue.restartKeepingData();
    for (const node of nodes) {
      await waitFor(async () => (await ready(node)).status === 200, {
        message: `${node.name} ready again`,
        timeoutMs: 20_000,
        intervalMs: 100,
      });
    }
    const w = await watch(t, [nodes[0]!], 'feed:after', 'u6');
    await produce(r, 'rs:b', 'feed:after', 1, 50);
    await untilAll([w], 50, 30_000);
    assert.deepEqual(w.numbers(), range(1, 50));
  });
});
