/**
 * redis_stream consumer failures on the queue side: the node consuming a stream SIGKILLed in the
 * middle of a burst (the other node takes the stream over once the lease lapses, first applying
 * the entries the dead node had read and not acknowledged; a consumer gone before any node started
 * leaves pending entries that are applied first, in order), and the queue Redis killed and
 * restarted with its data while entries flow. Every client gets every message once, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, setup, sleep, waitFor } from '../harness/index.js';
import {
  consumerCount,
  holderOf,
  produce,
  type Rig,
  range,
  rig,
  startConsumerNode,
  untilAll,
  watch,
} from './redis-stream-fixture.js';

describe('redis_stream consumer: failover', { timeout: 110_000 }, () => {
  const t = setup();
  let r: Rig;
  let nodes: NodeProcess[];
  const streams = ['rs:k', 'rs:q', 'rs:p'];

  before(async () => {
    r = await rig(t);
    // A consumer of a node gone before any node here started: 10 entries read, never acknowledged.
    await r.producer.xgroup('CREATE', 'rs:p', 'switchboard', '0', 'MKSTREAM');
    await produce(r, 'rs:p', 'feed:p', 1, 20);
    await r.producer.xreadgroup('GROUP', 'switchboard', 'gone', 'COUNT', 10, 'STREAMS', 'rs:p', '>');
    nodes = await Promise.all([
      startConsumerNode(t, r, 'rsf-1', streams),
      startConsumerNode(t, r, 'rsf-2', streams),
    ]);
  });
  after(() => t.cleanup());

  it("claims a dead consumer's pending entries and applies them first, in id order", async () => {
    await waitFor(
      async () => {
        const [pending] = (await r.producer.xpending('rs:p', 'switchboard')) as [number];
        const groups = (await r.producer.xinfo('GROUPS', 'rs:p')) as unknown[][];
        return pending === 0 && groups[0]![groups[0]!.indexOf('lag') + 1] === 0;
      },
      'rs:p consumed and acknowledged',
      20_000,
    );
    const { body } = await nodes[0]!.api('history', { channel: 'feed:p', limit: 100 });
    const pubs = (body['result'] as { publications: { data: { n: number } }[] }).publications;
    assert.deepEqual(
      pubs.map((p) => p.data.n),
      range(1, 20),
    );
  });

  it('a node SIGKILLed mid-burst: the other takes its stream over, no loss, no duplicate, in order', async (tc) => {
    // Once both nodes run, each holds its share (three streams over two nodes: two and one, in
    // either arrangement); the holder of rs:k is then stable and the other node holds a stream too.
    const holder = await waitFor(
      async () => {
        const [k, q, p] = await Promise.all(streams.map((s) => holderOf(r, nodes, s)));
        return k !== undefined && ((q !== undefined && q !== k) || (p !== undefined && p !== k)) && k;
      },
      { message: 'one stream per node', timeoutMs: 20_000, intervalMs: 100 },
    );
    const other = nodes.find((n) => n !== holder)!;
    // Clients on both nodes; the one on the killed node reconnects to the other and recovers.
    const watchers = [
      await watch(t, [holder, other], 'feed:k', 'k1'),
      await watch(t, [other, holder], 'feed:k', 'k2'),
    ];
    const total = 3000;
    // A backlog, so the holder is in the middle of a batch when it is killed.
    const producing = produce(r, 'rs:k', 'feed:k', 1, total);
    await waitFor(() => watchers[1]!.got.length >= 300, 'the burst under way', 30_000);
    assert.equal((await holderOf(r, nodes, 'rs:k'))?.name, holder.name, 'still the holder');
    const appliedBeforeKill = await consumerCount(holder, 'applied');
    await holder.kill();
    // What the dead node had read and not acknowledged: the other node must claim and apply it.
    const [leftPending] = (await r.producer.xpending('rs:k', 'switchboard')) as [number];
    tc.diagnostic(`killed with ${leftPending} entries pending (read, not acknowledged)`);
    await producing;
    assert.ok(appliedBeforeKill < total, `killed mid-burst (${appliedBeforeKill} applied)`);
    await untilAll(watchers, total, 60_000);
    for (const w of watchers) assert.deepEqual(w.numbers(), range(1, total));
    assert.equal((await holderOf(r, nodes, 'rs:k'))?.name, other.name);
    const pending = (await r.producer.xpending('rs:k', 'switchboard')) as [number];
    assert.equal(pending[0], 0, 'the dead node left nothing pending');
    await holder.restart();
  });

  it('the queue Redis killed and restarted while entries flow: consumers reconnect, no loss', async () => {
    const watchers = [
      await watch(t, [nodes[0]!], 'feed:q', 'q1'),
      await watch(t, [nodes[1]!], 'feed:q', 'q2'),
    ];
    await produce(r, 'rs:q', 'feed:q', 1, 1500);
    await waitFor(() => watchers[0]!.got.length >= 100, 'entries flowing', 30_000);
    await r.queue.kill();
    const atKill = watchers[0]!.got.length;
    await sleep(1500);
    await r.queue.restartKeepingData();
    await produce(r, 'rs:q', 'feed:q', 1501, 2000);
    await untilAll(watchers, 2000, 60_000);
    for (const w of watchers) assert.deepEqual(w.numbers(), range(1, 2000));
    assert.ok(atKill < 2000, `killed while entries flowed (${atKill} delivered)`);
    await waitFor(
      async () => {
        const pending = (await r.producer.xpending('rs:q', 'switchboard')) as [number];
        return pending[0] === 0;
      },
      'everything acknowledged',
      15_000,
    );
  });
});
