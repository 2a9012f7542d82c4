/**
 * The engine's Redis stopped for 10 s while entries keep arriving in the queue (a separate Redis):
 * the consumer retries the entry it has and takes nothing more (the rest waits in the stream), keeps
 * its stream lease meanwhile, and the node is not ready; once the engine is back every message
 * reaches the client once and in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type NodeProcess, setup, sleep, waitFor } from '../harness/index.js';
import {
  consumerCount,
  produce,
  type Rig,
  range,
  ready,
  rig,
  startConsumerNode,
  untilAll,
  watch,
} from './redis-stream-fixture.js';

describe('redis_stream consumer: engine outage', { timeout: 110_000 }, () => {
  const t = setup();
  let r: Rig;
  let node: NodeProcess;

  before(async () => {
    r = await rig(t);
    node = await startConsumerNode(t, r, 'rse-1', ['rs:e']);
  });
  after(() => t.cleanup());

  it('holds entries while the engine is down 10 s and delivers them all, in order, once it is back', async () => {
    const w = await watch(t, [node], 'feed:e', 'e1');
    await produce(r, 'rs:e', 'feed:e', 1, 200);
    await untilAll([w], 200, 30_000);
    const lease = 'switchboard:redis_stream:switchboard:lease:rs:e';
    const holder = await r.producer.get(lease);
    assert.ok(holder !== null, 'the node holds the stream');
    await r.engine.kill();
    const downAt = Date.now();
    let notReady = false;
    let n = 201;
    while (Date.now() - downAt < 10_000) {
      await produce(r, 'rs:e', 'feed:e', n, n + 19);
      n += 20;
      if ((await ready(node)).status === 503) notReady = true;
      await sleep(500);
    }
    const last = n - 1;
    assert.ok(notReady, '/ready answered 503 while the engine was down');
    assert.ok((await consumerCount(node, 'retried')) > 0, 'the consumer retried');
    // Nothing more was taken than the batch in hand: the rest waits in the stream, unread.
    const [pending] = (await r.producer.xpending('rs:e', 'switchboard')) as [number];
    assert.ok(pending <= 100, `at most one batch read while the engine is down (${pending} pending)`);
    const groups = (await r.producer.xinfo('GROUPS', 'rs:e')) as unknown[][];
    const lag = Number(groups[0]![groups[0]!.indexOf('lag') + 1]);
    assert.ok(lag >= last - 200 - 100, `the rest is still in the stream (lag ${lag})`);
    // The lease was kept alive all along: the stream is still this node's.
    assert.equal(await r.producer.get(lease), holder);
    assert.equal(node.child.exitCode, null, 'the node kept running');
    await r.engine.restartKeepingData();
    await produce(r, 'rs:e', 'feed:e', last + 1, last + 100);
    await untilAll([w], last + 100, 60_000);
    assert.deepEqual(w.numbers(), range(1, last + 100));
    await waitFor(async () => (await ready(node)).status === 200, 'ready again', 15_000);
  });
});
