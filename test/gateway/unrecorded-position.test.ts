/**
 * Recovery from a position that was never stored, over real sockets, on both engines (Redis: a
 * real redis-server). Subscribing to a channel that was never published stores nothing: the reply
 * carries offset 0 and the epoch the first publish will store. So a client that subscribed before
 * the first publication recovers everything published while it was away (`recovered: true`); one
 * whose channel's stream was created and then expired meanwhile is told `recovered: false`, never
 * handed a stream it cannot be sure it saw all of. On Redis (with an append-only file) the position
 * survives what the data survives: a restart that keeps the data keeps it, a flush changes it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { errorCode, type RawClient, rawConnect } from '../harness/raw-client.js';
import { type RedisServer, startRedis } from '../harness/redis.js';
import { uniquePrefix } from '../harness/redis-engines.js';
import { redisCommand } from '../harness/redis-resp.js';

interface SubscribeResult {
  epoch?: string;
  offset?: number;
  recoverable?: boolean;
  recovered?: boolean;
  publications?: { data: unknown; offset?: number }[];
}

let channelNumber = 0;
const nextChannel = (ns: string): string => `${ns}:c${++channelNumber}-${Date.now()}`;

async function connected(node: TestNode, user: string): Promise<RawClient> {
  const client = await rawConnect(node.wsUrl);
  assert.equal(errorCode(await client.call(1, 'connect', { token: await node.token(user) })), undefined);
  return client;
}

async function subscribe(client: RawClient, params: Record<string, unknown>): Promise<SubscribeResult> {
  const reply = await client.call(2, 'subscribe', params);
  assert.equal(errorCode(reply), undefined, JSON.stringify(reply));
  return reply['subscribe'] as SubscribeResult;
}

/** Publishes through the server API, retrying while the node's engine reconnects; returns the result. */
async function publishEventually(
  node: TestNode,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await node.api('publish', params);
    const result = res.body['result'] as Record<string, unknown> | undefined;
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`publish still failing: ${JSON.stringify(res.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const engine of ['memory', 'redis'] as const) {
  describe(`recovery from a position never stored (${engine} engine)`, () => {
    let redis: RedisServer | undefined;
    let node: TestNode;

    before(async () => {
      if (engine === 'redis') redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
      node = await startTestNode({
        channel: {
          namespaces: [
            { name: 'feed', history_size: 10, history_ttl: '60s', force_recovery: true },
            // The stream's position expires 2 s after its last publish.
            {
              name: 'brief',
              history_size: 10,
              history_ttl: '1s',
              history_meta_ttl: '2s',
              force_recovery: true,
            },
          ],
        },
        ...(redis === undefined
          ? {}
          : { engine: { redis: { address: redis.url, prefix: uniquePrefix('unrecorded') } } }),
      });
    });
    after(async () => {
      await node?.stop();
      await redis?.stop();
    });

    it('a channel nothing was published to recovers as it was: recovered, nothing missed', async () => {
      const channel = nextChannel('feed');
      const first = await connected(node, 'alice');
      const seen = await subscribe(first, { channel });
      assert.equal(seen.offset ?? 0, 0); // 0 is left out of the reply
      assert.ok(typeof seen.epoch === 'string' && seen.epoch.length > 0);
      first.close();
      const again = await connected(node, 'alice');
      const recovered = await subscribe(again, { channel, recover: true, epoch: seen.epoch, offset: 0 });
      assert.equal(recovered.recovered, true);
      assert.deepEqual(recovered.publications ?? [], []);
      assert.deepEqual([recovered.epoch, recovered.offset ?? 0], [seen.epoch, 0]);
      again.close();
    });

    it('a client that subscribed before the first publish recovers all published while it was away', async () => {
      const channel = nextChannel('feed');
      const first = await connected(node, 'bob');
      const seen = await subscribe(first, { channel });
      first.close();
      for (let n = 1; n <= 3; n++) {
        const res = await node.api('publish', { channel, data: { n } });
        assert.equal(
          (res.body['result'] as { epoch?: string }).epoch,
          seen.epoch,
          'the first publish keeps it',
        );
      }
      const again = await connected(node, 'bob');
      const recovered = await subscribe(again, { channel, recover: true, epoch: seen.epoch, offset: 0 });
      assert.equal(recovered.recovered, true);
      assert.deepEqual(
        recovered.publications?.map((p) => p.data),
        [{ n: 1 }, { n: 2 }, { n: 3 }],
      );
      again.close();
    });

    it('a live subscriber from before the first publish gets it in order and recovers after a reconnect', async () => {
      const channel = nextChannel('feed');
      const live = await connected(node, 'carol');
      const seen = await subscribe(live, { channel });
      await node.api('publish', { channel, data: { n: 1 } });
      await node.api('publish', { channel, data: { n: 2 } });
      const pushes = () =>
        live.received.filter((m) => m['push'] !== undefined).map((m) => m['push'] as Record<string, unknown>);
      await waitFor(() => pushes().length === 2, 'both publications live');
      assert.ok(
        pushes().every((p) => p['pub'] !== undefined),
        `no unsubscribe: the epoch did not change (${JSON.stringify(pushes())})`,
      );
      const offsets = pushes().map((p) => (p['pub'] as { offset: number }).offset);
      assert.deepEqual(offsets, [1, 2]);
      live.close();
      await node.api('publish', { channel, data: { n: 3 } });
      const again = await connected(node, 'carol');
      const recovered = await subscribe(again, { channel, recover: true, epoch: seen.epoch, offset: 2 });
      assert.equal(recovered.recovered, true);
      assert.deepEqual(
        recovered.publications?.map((p) => p.data),
        [{ n: 3 }],
      );
      again.close();
    });

    it('a stream created and expired while the client was away is not recovered', async () => {
      const channel = nextChannel('brief');
      const first = await connected(node, 'dave');
      const seen = await subscribe(first, { channel });
      first.close();
      await node.api('publish', { channel, data: { n: 1 } });
      // Past the 2 s meta ttl: that stream is gone, and the next publish starts another.
      await new Promise((resolve) => setTimeout(resolve, 2600));
      await node.api('publish', { channel, data: { n: 2 } });
      const again = await connected(node, 'dave');
      const answer = await subscribe(again, { channel, recover: true, epoch: seen.epoch, offset: 0 });
      assert.equal(answer.recovered ?? false, false, `{"n":1} was lost: ${JSON.stringify(answer)}`);
      assert.deepEqual(answer.publications ?? [], []);
      assert.equal(answer.offset, 1);
      assert.notEqual(answer.epoch, seen.epoch);
      again.close();
    });

    // Redis only: the memory engine has no restart that keeps its data, so these are not registered there.
    const itWithRedis = engine === 'redis' ? it : undefined;
    itWithRedis?.(
      'a restart of Redis that keeps its data keeps the position: recovered, nothing missed',
      async () => {
        if (redis === undefined) throw new Error('no Redis started for the redis engine');
        const channel = nextChannel('feed');
        const first = await connected(node, 'erin');
        const seen = await subscribe(first, { channel });
        first.close();
        await redis.restartKeepingData();
        // Idempotent: a retried publish whose first attempt ran is not stored twice.
        const result = await publishEventually(node, { channel, data: { n: 1 }, idempotency_key: 'erin-1' });
        assert.equal(
          result['epoch'],
          seen.epoch,
          'the first publish after the restart stores the epoch read before',
        );
        const again = await connected(node, 'erin');
        const recovered = await subscribe(again, { channel, recover: true, epoch: seen.epoch, offset: 0 });
        assert.equal(recovered.recovered, true, JSON.stringify(recovered));
        assert.deepEqual(
          recovered.publications?.map((p) => p.data),
          [{ n: 1 }],
        );
        assert.equal(recovered.epoch, seen.epoch);
        again.close();
      },
    );

    itWithRedis?.('a Redis that lost its data (FLUSHALL) changes the position: not recovered', async () => {
      if (redis === undefined) throw new Error('no Redis started for the redis engine');
      const channel = nextChannel('feed');
      const first = await connected(node, 'frank');
      const seen = await subscribe(first, { channel });
      first.close();
      // Published while the client was away, then lost with the data.
      await node.api('publish', { channel, data: { n: 1 } });
      await redisCommand(redis.port, ['FLUSHALL']);
      const again = await connected(node, 'frank');
      const answer = await subscribe(again, { channel, recover: true, epoch: seen.epoch, offset: 0 });
      assert.equal(answer.recovered ?? false, false, `{"n":1} was lost: ${JSON.stringify(answer)}`);
      assert.notEqual(answer.epoch, seen.epoch);
      again.close();
    });
  });
}
